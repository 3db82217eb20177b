"""Every valid and invalid entry of the shared real-world vectors."""

from __future__ import annotations

from pathlib import Path

import pytest

from identifiers import (
    InvalidIdentifier,
    is_valid_citizen_id,
    is_valid_uscc,
    parse_license_id,
    validate_citizen_id,
    validate_uscc,
)
from tests.identifiers import vectors

CITIZEN = "citizen_id_numbers_gb11643"
USCC = "unified_social_credit_codes_gb32100"
LICENCE = "licence_identifiers_gbt36904"

# The reason each labelled invalid vector must be rejected with.
EXPECTED_REASONS = {
    "110105194912310021": "bad_check_character",
    "11010519491331002X": "bad_date",
    "1101051949123100": "bad_length",
    "11100000000013338X": "bad_check_character",
    "9144030070846113IT": "bad_character",
    "91440300708461136": "bad_length",
    "1.2.156.3005.2.11100000000013661B006.113700000045046442."
    "209FA4E88F9E4C878F3E9BED2CE7EA49.001.M": "bad_check_character",
    "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.1":
        "bad_check_character",
    "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.2.0": "bad_version",
}


def test_vectors_file_is_inside_the_repository():
    root = Path(__file__).resolve().parents[2]
    assert vectors.VECTORS_PATH.is_relative_to(root)
    assert vectors.VECTORS_PATH.is_file()


def test_every_labelled_reason_is_still_in_the_vectors():
    data = vectors.load()
    invalid = {e["value"] for section in (CITIZEN, USCC, LICENCE)
               for e in data[section]["invalid"]}
    assert set(EXPECTED_REASONS) <= invalid


@pytest.mark.parametrize("entry", vectors.cases(CITIZEN, "valid"))
def test_valid_citizen_id(entry):
    assert validate_citizen_id(entry["value"]) == entry["value"]
    assert is_valid_citizen_id(entry["value"])


@pytest.mark.parametrize("entry", vectors.cases(CITIZEN, "invalid"))
def test_invalid_citizen_id(entry):
    with pytest.raises(InvalidIdentifier) as caught:
        validate_citizen_id(entry["value"])
    assert caught.value.kind == "citizen_id"
    if entry["value"] in EXPECTED_REASONS:
        assert caught.value.reason == EXPECTED_REASONS[entry["value"]], entry["reason"]
    assert not is_valid_citizen_id(entry["value"])


@pytest.mark.parametrize("entry", vectors.cases(USCC, "valid"))
def test_valid_uscc(entry):
    assert validate_uscc(entry["value"]) == entry["value"]
    assert is_valid_uscc(entry["value"])


@pytest.mark.parametrize("entry", vectors.cases(USCC, "invalid"))
def test_invalid_uscc(entry):
    with pytest.raises(InvalidIdentifier) as caught:
        validate_uscc(entry["value"])
    assert caught.value.kind == "uscc"
    if entry["value"] in EXPECTED_REASONS:
        assert caught.value.reason == EXPECTED_REASONS[entry["value"]], entry["reason"]
    assert not is_valid_uscc(entry["value"])


@pytest.mark.parametrize("entry", vectors.cases(LICENCE, "valid"))
def test_valid_licence_id(entry):
    value = entry["value"]
    lenient = parse_license_id(value, strict=False)
    assert str(lenient) == value
    if vectors.LENIENT_ONLY_NOTE in entry.get("note", ""):
        with pytest.raises(InvalidIdentifier) as caught:
            parse_license_id(value, strict=True)
        assert caught.value.kind == "license_id"
        assert caught.value.reason == "bad_issuer_code"
    else:
        assert parse_license_id(value) == lenient


def test_the_lenient_only_licence_vector_is_present():
    notes = [e.get("note", "") for e in vectors.load()[LICENCE]["valid"]]
    assert sum(vectors.LENIENT_ONLY_NOTE in n for n in notes) == 1


@pytest.mark.parametrize("strict", [True, False], ids=["strict", "lenient"])
@pytest.mark.parametrize("entry", vectors.cases(LICENCE, "invalid"))
def test_invalid_licence_id(entry, strict):
    with pytest.raises(InvalidIdentifier) as caught:
        parse_license_id(entry["value"], strict=strict)
    assert caught.value.kind == "license_id"
    if entry["value"] in EXPECTED_REASONS:
        assert caught.value.reason == EXPECTED_REASONS[entry["value"]], entry["reason"]


def test_published_example_should_have_check_d():
    bad = ("1.2.156.3005.2.11100000000013661B006.113700000045046442."
           "209FA4E88F9E4C878F3E9BED2CE7EA49.001.M")
    with pytest.raises(InvalidIdentifier, match="expected 'D'"):
        parse_license_id(bad)
    assert str(parse_license_id(bad[:-1] + "D")) == bad[:-1] + "D"
