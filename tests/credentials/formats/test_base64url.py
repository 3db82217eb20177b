"""base64url and strict JSON against independent definitions (the verifier's hot path
decodes with binascii directly; these keep it the same language as RFC 4648 section 5
and RFC 7515 section 2 define)."""

from __future__ import annotations

import base64
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credentials.formats import base64url, strict_json
from credentials.formats.errors import InvalidBase64, InvalidJson

_URL_SAFE = re.compile(r"[A-Za-z0-9_-]*")


def reference_decode(text: str) -> bytes | None:
    """Unpadded, canonical base64url by the stdlib; None where it must be refused."""
    if not _URL_SAFE.fullmatch(text) or len(text) % 4 == 1:
        return None
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii") != text:
        return None  # non-canonical trailing bits
    return data


def ours(text: str) -> bytes | None:
    try:
        return base64url.decode(text)
    except InvalidBase64:
        return None


_HOSTILE = st.text(alphabet=st.sampled_from(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/= \n\t.!é\x00\u3000"),
    max_size=12)


@settings(max_examples=3000, deadline=None)
@given(_HOSTILE)
def test_decode_accepts_and_refuses_exactly_what_the_definition_does(text):
    assert ours(text) == reference_decode(text)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=200))
def test_encode_round_trips_and_matches_the_stdlib(data):
    text = base64url.encode(data)
    assert text == base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
    assert base64url.decode(text) == data


@pytest.mark.parametrize("text", ["QQ==", "QQ=", "Q+E", "Q/E", " QQ", "QQ\n", "Q Q", "ＱＱ",
                                  "QR", "QUJ", "A"])
def test_hostile_texts_are_refused(text):
    with pytest.raises(InvalidBase64):
        base64url.decode(text)


def test_non_string_is_refused():
    with pytest.raises(InvalidBase64):
        base64url.decode(b"QQ")  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ['{"a":1,"a":2}', '{"x":{"b":1,"b":1}}', '[{"k":1,"k":1}]'])
def test_duplicate_member_names_are_refused_at_any_depth(text):
    with pytest.raises(InvalidJson, match="duplicate member name"):
        strict_json.loads(text)


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=3), inner, max_size=3), max_leaves=12))
def test_strict_json_reads_what_json_reads_without_duplicates(value):
    text = json.dumps(value, ensure_ascii=False)
    assert strict_json.loads(text) == value
    assert strict_json.loads(text.encode("utf-8")) == value


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", '{"a":-Infinity}', "\ufeff{}", "{", ""])
def test_non_json_and_non_finite_numbers_are_refused(text):
    with pytest.raises(InvalidJson):
        strict_json.loads(text)
