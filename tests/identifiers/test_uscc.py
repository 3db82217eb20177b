"""GB 32100-2015 unified social credit codes beyond the shared vectors."""

from __future__ import annotations

import pytest

from identifiers import InvalidIdentifier, is_valid_uscc, validate_uscc
from identifiers.uscc import ALPHABET, check_character


def test_alphabet():
    assert len(ALPHABET) == 31
    assert not set("IOZSV") & set(ALPHABET)


def test_check_character():
    assert check_character("91440300708461136") == "T"
    assert check_character("11370000004504644") == "2"


def test_check_value_zero_is_digit_zero():
    # sum % 31 == 0 gives 31 - 0 = 31, which maps to "0".
    assert check_character("0" * 17) == "0"
    assert is_valid_uscc("0" * 18)


def test_lowercase_is_normalised():
    assert validate_uscc("91440300708461136t") == "91440300708461136T"
    assert check_character("91440300708461136".lower()) == "T"


@pytest.mark.parametrize("letter", "IOZSV")
def test_excluded_letters(letter):
    with pytest.raises(InvalidIdentifier) as caught:
        validate_uscc("91440300708461136" + letter)
    assert (caught.value.kind, caught.value.reason) == ("uscc", "bad_character")


def test_area_code_must_be_digits():
    first17 = "914A0300708461136"
    with pytest.raises(InvalidIdentifier) as caught:
        validate_uscc(first17 + check_character(first17))
    assert caught.value.reason == "bad_format"


@pytest.mark.parametrize("value, reason", [
    ("91440300708461136TT", "bad_length"),
    ("９1440300708461136T", "bad_character"),   # full-width digit
    ("ﬀ1440300708461136T", "bad_character"),    # ligature that upper-cases to "FF"
    ("91440300708461136U", "bad_check_character"),
])
def test_rejections(value, reason):
    with pytest.raises(InvalidIdentifier) as caught:
        validate_uscc(value)
    assert caught.value.reason == reason


def test_non_string():
    with pytest.raises(TypeError):
        validate_uscc(None)  # type: ignore[arg-type]
    assert not is_valid_uscc(914403001922038216)
