"""Token Status List: the draft's examples, bounds, the JWT form and a property test."""

from __future__ import annotations

import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credentials.formats import base64url, status_list
from credentials.formats.errors import (
    DecompressionLimitExceeded,
    Expired,
    InvalidHeader,
    InvalidSignature,
    InvalidStatusValue,
    StatusIndexOutOfRange,
    StatusListError,
    SubjectMismatch,
)
from credentials.formats.status_list import StatusList
from tests.credentials.formats.conftest import NOW

URI = "https://onegate.example/status/1"
ONE_BIT = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]
TWO_BIT = [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]


def _inflate(lst: str) -> bytes:
    return zlib.decompress(base64url.decode(lst))


def test_draft_one_bit_example() -> None:
    sl = StatusList(len(ONE_BIT), bits=1)
    for idx, value in enumerate(ONE_BIT):
        sl.set(idx, value)
    assert sl.to_bytes() == bytes([0xB9, 0xA3])
    assert _inflate(sl.to_compressed()) == _inflate("eNrbuRgAAhcBXQ")


def test_draft_two_bit_example() -> None:
    sl = StatusList(len(TWO_BIT), bits=2)
    for idx, value in enumerate(TWO_BIT):
        sl.set(idx, value)
    assert sl.to_bytes() == bytes([0xC9, 0x44, 0xF9])
    assert _inflate(sl.to_compressed()) == _inflate("eNo76fITAAPfAgc")


def test_draft_two_bit_example_decodes() -> None:
    sl = StatusList.from_compressed("eNo76fITAAPfAgc", bits=2)
    assert [sl.get(i) for i in range(len(TWO_BIT))] == TWO_BIT


def test_bounds() -> None:
    sl = StatusList(10)
    with pytest.raises(StatusIndexOutOfRange):
        sl.get(10)
    with pytest.raises(StatusIndexOutOfRange):
        sl.set(-1, 0)
    with pytest.raises(InvalidStatusValue):
        sl.set(0, 4)
    with pytest.raises(StatusListError):
        StatusList(10, bits=3)
    with pytest.raises(StatusListError):
        StatusList(0)


def test_set_does_not_disturb_neighbours() -> None:
    sl = StatusList(8)
    for idx in range(8):
        sl.set(idx, 3)
    sl.set(3, status_list.SUSPENDED)
    assert [sl.get(i) for i in range(8)] == [3, 3, 3, 2, 3, 3, 3, 3]


def test_decompression_bomb_rejected() -> None:
    lst = base64url.encode(zlib.compress(bytes(10_000_000), 9))
    with pytest.raises(DecompressionLimitExceeded):
        StatusList.from_compressed(lst, bits=2, max_bytes=1_000_000)


@given(st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=300))
def test_round_trip_property(values: list[int]) -> None:
    sl = StatusList(len(values), bits=2)
    for idx, value in enumerate(values):
        sl.set(idx, value)
    back = StatusList.from_compressed(sl.to_compressed(), bits=2)
    assert [back.get(i) for i in range(len(values))] == values
    assert back.size >= len(values)


def _token(key, sl, **kw) -> str:
    args = dict(uri=URI, iat=NOW, exp=NOW + 3600, ttl=300, private_key=key, alg="ES256", kid="sl-1")
    args.update(kw)
    return status_list.status_list_jwt(sl, **args)


def test_jwt_round_trip(es256_key) -> None:
    sl = StatusList(1000)
    sl.set(7, status_list.INVALID)
    parsed = status_list.parse_status_list_jwt(
        _token(es256_key, sl), es256_key.public_key(), expected_uri=URI, now=NOW
    )
    assert parsed.status_list.get(7) == status_list.INVALID
    assert parsed.status_list.get(8) == status_list.VALID
    assert (parsed.sub, parsed.ttl, parsed.exp) == (URI, 300, NOW + 3600)


def test_jwt_rejections(es256_key, other_es256_key) -> None:
    token = _token(es256_key, StatusList(16))
    with pytest.raises(SubjectMismatch):
        status_list.parse_status_list_jwt(
            token, es256_key.public_key(), expected_uri=URI + "x", now=NOW
        )
    with pytest.raises(InvalidSignature):
        status_list.parse_status_list_jwt(
            token, other_es256_key.public_key(), expected_uri=URI, now=NOW
        )
    with pytest.raises(Expired):
        status_list.parse_status_list_jwt(
            token, es256_key.public_key(), expected_uri=URI, now=NOW + 3600
        )


def test_jwt_wrong_typ(es256_key) -> None:
    from credentials.formats import jws

    payload = {"sub": URI, "iat": NOW, "status_list": StatusList(8).to_json()}
    token = jws.sign(payload, private_key=es256_key, alg="ES256", headers={"typ": "JWT"})
    with pytest.raises(InvalidHeader):
        status_list.parse_status_list_jwt(token, es256_key.public_key(), expected_uri=URI, now=NOW)


def test_reference_claim() -> None:
    assert status_list.reference(7, URI) == {"status_list": {"idx": 7, "uri": URI}}
