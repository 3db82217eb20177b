"""Base45 (RFC 9285): test vectors, strictness and a round-trip property."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credentials.formats import base45
from credentials.formats.errors import InvalidBase45

# RFC 9285 sections 4.3 and 4.4.
VECTORS = [
    (b"AB", "BB8"),
    (b"Hello!!", "%69 VD92EX0"),
    (b"base-45", "UJCLQE7W581"),
    (b"ietf!", "QED8WEX0"),
    (b"", ""),
]


@pytest.mark.parametrize(("raw", "text"), VECTORS)
def test_rfc_vectors_encode(raw: bytes, text: str) -> None:
    assert base45.encode(raw) == text


@pytest.mark.parametrize(("raw", "text"), VECTORS)
def test_rfc_vectors_decode(raw: bytes, text: str) -> None:
    assert base45.decode(text) == raw


@pytest.mark.parametrize(
    "bad",
    [
        "A",  # length 3k+1
        "BB8B",  # length 3k+1
        "bb8",  # lowercase is outside the alphabet
        "BB#",  # '#' is outside the alphabet
    ],
)
def test_rejects_invalid_text(bad: str) -> None:
    with pytest.raises(InvalidBase45) as info:
        base45.decode(bad)
    assert info.value.code == "invalid_base45"


def test_rejects_triplet_above_65535() -> None:
    # ":::" = 44 + 44*45 + 44*2025 = 91124 > 65535
    with pytest.raises(InvalidBase45):
        base45.decode(":::")


def test_rejects_pair_above_255() -> None:
    # "::" = 44 + 44*45 = 2024 > 255
    with pytest.raises(InvalidBase45):
        base45.decode("::")


def test_largest_valid_triplet() -> None:
    assert base45.decode(base45.encode(b"\xff\xff")) == b"\xff\xff"


def test_rejects_non_string() -> None:
    with pytest.raises(InvalidBase45):
        base45.decode(b"BB8")  # type: ignore[arg-type]


@given(st.binary(max_size=512))
def test_round_trip(data: bytes) -> None:
    text = base45.encode(data)
    assert set(text) <= set(base45.ALPHABET)
    assert base45.decode(text) == data
