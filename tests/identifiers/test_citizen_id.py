"""GB 11643-1999 citizen ID numbers beyond the shared vectors."""

from __future__ import annotations

import datetime as dt

import pytest

from identifiers import InvalidIdentifier, is_valid_citizen_id, validate_citizen_id
from identifiers.citizen_id import check_character

EXAMPLE = "11010519491231002X"


def _with_check(first17: str) -> str:
    return first17 + check_character(first17)


def test_check_character_of_the_standard_example():
    assert check_character(EXAMPLE[:17]) == "X"


def test_lowercase_x_is_normalised():
    assert validate_citizen_id(EXAMPLE.lower()) == EXAMPLE
    assert is_valid_citizen_id(EXAMPLE.lower())


def test_every_check_value_is_reachable():
    seen = {check_character(f"11010519900101{n:03d}") for n in range(200)}
    assert seen == set("0123456789X")


@pytest.mark.parametrize("first17, reason", [
    ("11010519000229001", "bad_date"),   # 1900 is not a leap year
    ("11010518991231001", "bad_date"),   # before 1900
    ("11010519490001001", "bad_date"),   # month 00
    ("11010519490132001", "bad_date"),   # day 32
])
def test_birth_date(first17, reason):
    with pytest.raises(InvalidIdentifier) as caught:
        validate_citizen_id(_with_check(first17))
    assert (caught.value.kind, caught.value.reason) == ("citizen_id", reason)


def test_leap_day_and_earliest_date_accepted():
    assert is_valid_citizen_id(_with_check("11010520000229001"))
    assert is_valid_citizen_id(_with_check("11010519000101001"))


def test_future_birth_date_rejected_against_today():
    value = _with_check("11010520300101001")
    with pytest.raises(InvalidIdentifier) as caught:
        validate_citizen_id(value, today=dt.date(2029, 12, 31))
    assert caught.value.reason == "bad_date"
    assert validate_citizen_id(value, today=dt.date(2030, 1, 1)) == value


@pytest.mark.parametrize("value, reason", [
    ("11010519491231002X0", "bad_length"),
    ("", "bad_length"),
    ("1101051949123100AX", "bad_character"),
    ("11010519491231002Y", "bad_character"),
    ("1101051949123100２X", "bad_character"),   # full-width digit
    ("110105194912310٠2X", "bad_character"),    # Arabic-Indic digit
    (" 1010519491231002X", "bad_character"),
])
def test_shape(value, reason):
    with pytest.raises(InvalidIdentifier) as caught:
        validate_citizen_id(value)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)
    assert str(caught.value)


def test_non_string():
    with pytest.raises(TypeError):
        validate_citizen_id(11010519491231002)  # type: ignore[arg-type]
    assert not is_valid_citizen_id(None)


@pytest.mark.parametrize("first17, reason", [("1101051949123100", "bad_length"),
                                              ("1101051949123100X", "bad_character")])
def test_check_character_input(first17, reason):
    with pytest.raises(InvalidIdentifier) as caught:
        check_character(first17)
    assert caught.value.reason == reason
