"""Status lists at the size issue 9 sizes them (10,000,000 entries): known bits survive
the round trip, the stream is a plain zlib stream any inflater reads, and the cached
``lst`` follows every ``set``. Sizes and times are figures for bench/status_list.py."""

from __future__ import annotations

import random
import zlib

from credentials.formats import base64url, inflate, status_list
from credentials.formats.status_list import StatusList

N = 10_000_000


def test_ten_million_entries_round_trip_with_known_bits() -> None:
    rng = random.Random(9)
    known = {rng.randrange(N): rng.choice((status_list.INVALID, status_list.SUSPENDED))
             for _ in range(N // 100)}
    bits = StatusList(N, 2)
    for idx, value in known.items():
        bits.set(idx, value)
    lst = bits.to_compressed()
    raw = zlib.decompress(base64url.decode(lst))  # the standard library, not our inflater
    assert raw == bits.to_bytes() and len(raw) == N // 4
    back = StatusList.from_compressed(lst, bits=2)
    assert back.size == N
    for idx, value in known.items():
        assert back.get(idx) == value
    probes = [rng.randrange(N) for _ in range(10_000)]
    assert all(back.get(i) == known.get(i, status_list.VALID) for i in probes)
    assert back.get(0) == known.get(0, 0) and back.get(N - 1) == known.get(N - 1, 0)


def test_compressed_list_follows_every_set() -> None:
    bits = StatusList(100_000, 2)
    empty = bits.to_compressed()
    assert bits.to_compressed() is empty  # reused while unchanged
    bits.set(99_999, status_list.INVALID)
    changed = bits.to_compressed()
    assert changed != empty
    assert StatusList.from_compressed(changed, bits=2).get(99_999) == status_list.INVALID
    bits.set(99_999, status_list.VALID)
    assert StatusList.from_compressed(bits.to_compressed(), bits=2).get(99_999) == 0


def test_sparse_compression_is_a_standard_zlib_stream() -> None:
    data = bytes(50_000) + b"\x40" + bytes(50_000)
    packed = inflate.compress_sparse(data)
    assert zlib.decompress(packed) == data
    assert inflate.decompress(packed, max_size=len(data)) == data
    assert packed[0] & 0x0F == 8  # CM = deflate (RFC 1950)


def test_offline_qr_compression_is_unchanged() -> None:
    """The LIC1: wire format keeps its zlib header (default window)."""
    assert inflate.compress(b"abc" * 10) == zlib.compress(b"abc" * 10, 9)


def test_hostile_list_still_bounded_by_max_bytes() -> None:
    lst = base64url.encode(inflate.compress_sparse(bytes(4_000_000)))
    try:
        StatusList.from_compressed(lst, bits=2, max_bytes=1_000_000)
    except Exception as exc:  # noqa: BLE001 - the exact class is asserted below
        assert type(exc).__name__ == "DecompressionLimitExceeded"
    else:
        raise AssertionError("a list inflating past max_bytes was accepted")
