"""zlib (RFC 1950/1951) compression with a hard output bound against decompression bombs."""

from __future__ import annotations

import zlib

from credentials.formats.errors import DecompressionLimitExceeded, InvalidCompression

#: A 2 KiB window (zlib ``wbits`` 11). Measured on a 10,000,000-entry, 2-bit list at 1%
#: revoked (docs/PERFORMANCE.md): level 9 with the default 32 KiB window gives 144 KB
#: in 0.7-3 s (long hash chains over the runs of zero bytes); a 2 KiB window gives
#: 140 KB in 0.2-0.4 s. Any inflater reads it (the window size is in the zlib header).
WINDOW_BITS = 11


def compress(data: bytes) -> bytes:
    """zlib at level 9 (the status-list draft RECOMMENDS the highest level)."""
    return zlib.compress(data, 9)


def compress_sparse(data: bytes) -> bytes:
    """zlib at level 9 with a 2 KiB window: for long, mostly-zero bit arrays (status lists)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, WINDOW_BITS, 9)
    return packer.compress(data) + packer.flush()


def decompress(data: bytes, *, max_size: int) -> bytes:
    """Inflate a complete zlib stream producing at most ``max_size`` bytes.

    Raises DecompressionLimitExceeded if the output would exceed ``max_size`` (checked
    through ``max_length`` and ``unconsumed_tail``, so a bomb is never expanded), and
    InvalidCompression for corrupt, truncated or trailing data.
    """
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, max_size)
        if inflater.unconsumed_tail:
            raise DecompressionLimitExceeded(f"inflates to more than {max_size} bytes")
        out += inflater.flush(1)
    except zlib.error as exc:
        raise InvalidCompression("corrupt zlib stream") from exc
    if len(out) > max_size:
        raise DecompressionLimitExceeded(f"inflates to more than {max_size} bytes")
    if not inflater.eof:
        raise InvalidCompression("truncated zlib stream")
    if inflater.unused_data:
        raise InvalidCompression("trailing bytes after the zlib stream")
    return out
