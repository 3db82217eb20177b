"""The schema editor's check and sample licence (credentials.type_preview)."""

from __future__ import annotations

import random

import pytest

from credentials import type_preview
from credentials.errors import ValidationFailed
from credentials.formats import offline_qr
from tests.credentials.catalogue_helpers import definition


def test_preview_renders_the_sample_licence_as_issued():
    shown = type_preview.preview(definition(), "http://localhost").to_json()
    payload = shown["sd_jwt"]["payload"]
    assert payload["permit_number"] == "TP000001" and payload["category"] == "甲类"
    assert "holder_id" not in payload and "address" not in payload
    assert sorted(d["name"] for d in shown["sd_jwt"]["disclosures"]) == \
        ["address", "holder_id", "note"]
    assert shown["sd_jwt"]["header"]["typ"] == "dc+sd-jwt"
    assert payload["iss"] == "http://localhost/issuers/preview"  # never a real issuer
    qr = shown["offline_qr"]
    assert qr["text"].startswith("LIC1:") and qr["format"] == "LIC1"
    assert qr["characters"] == len(qr["text"]) and 1 <= qr["qr_version"] <= 20 and qr["fits"]
    decoded = offline_qr.decode(qr["text"])
    assert decoded is not None
    assert shown["definition"]["disclosable"] == ["holder_id", "address", "note"]


def test_the_sample_disclosures_are_really_in_the_signed_payload():
    shown = type_preview.preview(definition(), "http://localhost")
    digests = set(shown.sd_jwt_payload["_sd"])
    assert len(shown.disclosures) == 3
    assert shown.sd_jwt_bytes > 200 and digests  # decoys may add digests


@pytest.mark.parametrize("changes, fields", [
    ({"json_schema": {"type": "object", "properties": {"a": {"type": "nope"}}}},
     {"json_schema"}),
    ({"json_schema": {"type": "array"}}, {"json_schema"}),
    ({"always_disclosed": ["ghost"]}, {"always_disclosed"}),
    ({"offline_claims": ["address"]}, {"offline_claims"}),
    ({"disclosable": ["permit_number"]}, {"disclosable"}),
    ({"name_zh": "", "validity_days": -1, "holder_kind": "robot"},
     {"name_zh", "validity_days", "holder_kind"}),
    ({"name_en": 3, "json_schema": []}, {"name_en", "json_schema"}),
    ({"extra": 1}, {"extra"}),
])
def test_invalid_definitions_name_each_field(changes, fields):
    with pytest.raises(ValidationFailed) as caught:
        type_preview.preview(definition(**changes), "http://localhost")
    assert {e.field for e in caught.value.errors} == fields


def test_a_property_without_a_valid_sample_asks_for_examples():
    values = definition()
    values["json_schema"]["properties"]["permit_number"].pop("examples")
    with pytest.raises(ValidationFailed) as caught:
        type_preview.preview(values, "http://localhost")
    assert [(e.field, e.reason) for e in caught.value.errors] == [
        ("json_schema.properties.permit_number", "no_valid_sample")]


def test_not_an_object():
    with pytest.raises(ValidationFailed) as caught:
        type_preview.preview(["no"], "http://localhost")
    assert caught.value.errors[0].field == "definition"


def test_too_many_offline_claims_show_the_qr_does_not_fit():
    values = definition()
    props = values["json_schema"]["properties"]
    rng = random.Random(7)  # incompressible text: zlib cannot shrink it below the limit
    for i in range(40):
        text = "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(40))
        props[f"c{i}"] = {"type": "string", "examples": [text]}
    names = [f"c{i}" for i in range(40)]
    values.update(always_disclosed=[*values["always_disclosed"], *names], offline_claims=names)
    shown = type_preview.preview(values, "http://localhost").to_json()["offline_qr"]
    assert shown["fits"] is False and (shown["qr_version"] is None or shown["qr_version"] > 20)
