"""GB/T 36904 licence identifiers: construction, parsing and the MOD 37,36 check."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from identifiers import (
    InvalidIdentifier,
    LicenseId,
    make_license_id,
    mod37_36_check,
    parse_license_id,
)
from identifiers.license_id import ALPHABET, PREFIX

ZHEJIANG = "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0"
TYPE_CODE = "11100000000013338W009"
ISSUER = "11330105002500287C"
CREDIT_CODES = [
    "11100000000013338W",
    "11100000000013661B",
    "11330105002500287C",
    "11430000006122244L",
    "113700000045046442",
    "914403001922038216",
]


def _reason(call, *args, **kwargs) -> str:
    with pytest.raises(InvalidIdentifier) as caught:
        call(*args, **kwargs)
    assert caught.value.kind == "license_id"
    return caught.value.reason


def test_parts_of_a_parsed_identifier():
    licence = parse_license_id(ZHEJIANG)
    assert licence == LicenseId(TYPE_CODE, ISSUER, "2025052201", 2, "0")
    assert licence.body == TYPE_CODE + ISSUER + "2025052201" + "002"


def test_make_round_trips_through_parse():
    made = make_license_id(TYPE_CODE, ISSUER, "2025052201", 2)
    assert str(made) == ZHEJIANG
    assert parse_license_id(str(made)) == made


def test_make_lenient_with_area_code_issuer():
    made = make_license_id("11100000MB03271699022", "340100", "000000016", 1, strict=False)
    assert made.check == "9"
    assert _reason(make_license_id, "11100000MB03271699022", "340100", "000000016", 1) == (
        "bad_issuer_code"
    )
    assert parse_license_id(str(made), strict=False) == made


def test_next_version():
    following = parse_license_id(ZHEJIANG).next_version()
    assert following.version == 3
    assert str(following).startswith(f"{PREFIX}.{TYPE_CODE}.{ISSUER}.2025052201.003.")
    assert following.check == mod37_36_check(TYPE_CODE + ISSUER + "2025052201003")
    assert parse_license_id(str(following)) == following


def test_next_version_after_999():
    last = make_license_id(TYPE_CODE, ISSUER, "1", 999)
    assert str(last).endswith(".999." + last.check)
    assert _reason(last.next_version) == "bad_version"


def test_frozen_and_self_checking():
    licence = parse_license_id(ZHEJIANG)
    with pytest.raises(dataclasses.FrozenInstanceError):
        licence.version = 3  # type: ignore[misc]
    assert _reason(LicenseId, TYPE_CODE, ISSUER, "2025052201", 2, "1") == "bad_check_character"
    assert _reason(LicenseId, TYPE_CODE, ISSUER, "2025052201", 2, "a") == "bad_format"


@pytest.mark.parametrize(
    "text, reason",
    [
        (ZHEJIANG.replace("1.2.156.3005.2.", "1.2.156.3005.3."), "bad_format"),
        (ZHEJIANG[len(PREFIX) + 1 :], "bad_format"),
        (ZHEJIANG + ".0", "bad_format"),
        (ZHEJIANG.replace(".2025052201.", ".2025052201.X."), "bad_format"),
        (ZHEJIANG.replace(".002.", ".0002."), "bad_version"),
        (ZHEJIANG.replace(".002.", ".00A."), "bad_version"),
        (ZHEJIANG.replace(".002.", ".００2."), "bad_version"),
        (ZHEJIANG.replace("13338W009", "13338W09"), "bad_type_code"),
        (ZHEJIANG.replace("13338W009", "13338w009"), "bad_type_code"),
        (ZHEJIANG.replace("00287C", "00287c"), "bad_issuer_code"),
        (ZHEJIANG.replace(".2025052201.", ".."), "bad_format"),
        (ZHEJIANG.replace(".2025052201.", "." + "1" * 65 + "."), "bad_format"),
        (ZHEJIANG[:-1], "bad_format"),
        (ZHEJIANG[:-1] + "00", "bad_format"),
        (" " + ZHEJIANG, "bad_format"),
    ],
)
def test_malformed(text, reason):
    assert _reason(parse_license_id, text, strict=False) == reason


def test_strict_checks_the_type_codes_credit_code():
    # "11100000000013338X" has a wrong credit-code check character.
    made = make_license_id("11100000000013338X009", ISSUER, "7", 1, strict=False)
    assert _reason(parse_license_id, str(made)) == "bad_type_code"
    assert parse_license_id(str(made), strict=False) == made


@pytest.mark.parametrize(
    "args, reason",
    [
        (("11100000000013338W009", ISSUER, "", 1), "bad_format"),
        (("11100000000013338W009", ISSUER, "a1", 1), "bad_format"),
        (("11100000000013338W009", ISSUER, "1", 1000), "bad_version"),
        (("11100000000013338W009", ISSUER, "1", -1), "bad_version"),
        (("11100000000013338W009", ISSUER, "1", True), "bad_version"),
        (("11100000000013338W009", ISSUER, "1", "001"), "bad_version"),
        (("11100000000013338W00", ISSUER, "1", 1), "bad_type_code"),
        (("11100000000013338W009", "", "1", 1), "bad_issuer_code"),
    ],
)
def test_make_rejects(args, reason):
    assert _reason(make_license_id, *args, strict=False) == reason


def test_mod37_36_check_input():
    assert mod37_36_check("") == "1"
    assert _reason(mod37_36_check, "abc") == "bad_character"
    with pytest.raises(TypeError):
        mod37_36_check(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        parse_license_id(b"1.2.156")  # type: ignore[arg-type]


@st.composite
def licences(draw) -> LicenseId:
    suffix = draw(st.from_regex(r"[0-9]{3}", fullmatch=True))
    type_code = draw(st.sampled_from(CREDIT_CODES)) + suffix
    if draw(st.booleans()):
        issuer = draw(st.sampled_from(CREDIT_CODES))
        strict = True
    else:
        issuer = draw(st.text(ALPHABET, min_size=1, max_size=20))
        strict = False
    serial = draw(st.text(ALPHABET, min_size=1, max_size=64))
    version = draw(st.integers(0, 999))
    return make_license_id(type_code, issuer, serial, version, strict=strict)


@settings(database=None, max_examples=400, deadline=None)
@given(licence=licences(), data=st.data())
def test_every_single_substitution_is_detected(licence, data):
    body = licence.body
    index = data.draw(st.integers(0, len(body) - 1), label="index")
    replacement = data.draw(
        st.sampled_from(ALPHABET).filter(lambda c: c != body[index]), label="replacement"
    )
    mutated = body[:index] + replacement + body[index + 1 :]
    assert mod37_36_check(mutated) != licence.check

    # The same substitution in the text form is rejected even by the lenient reader.
    text = str(licence)
    start = len(PREFIX) + 1
    positions = [i for i in range(start, len(text) - 2) if text[i] != "."]
    assert len(positions) == len(body)
    at = positions[index]
    with pytest.raises(InvalidIdentifier):
        parse_license_id(text[:at] + replacement + text[at + 1 :], strict=False)


@settings(database=None, max_examples=200, deadline=None)
@given(licence=licences())
def test_round_trip_property(licence):
    assert parse_license_id(str(licence), strict=False) == licence
    assert mod37_36_check(licence.body) == licence.check


def test_every_substitution_exhaustively_for_the_vector():
    licence = parse_license_id(ZHEJIANG)
    body = licence.body
    for index, original in enumerate(body):
        for replacement in ALPHABET:
            if replacement != original:
                mutated = body[:index] + replacement + body[index + 1 :]
                assert mod37_36_check(mutated) != licence.check, (index, replacement)
