"""jws.verify checks signatures with cryptography directly (no pyjwt decode): the same
tokens verify, and every hostile shape still fails with a FormatError."""

from __future__ import annotations

import json

import jwt
import pytest

from credentials.formats import base64url, jws
from credentials.formats.errors import (
    FormatError,
    InvalidBase64,
    InvalidHeader,
    InvalidSignature,
    MalformedError,
    UnsupportedAlgorithm,
)


def _b64(obj) -> str:
    return base64url.encode(json.dumps(obj).encode())


@pytest.mark.parametrize(("fixture", "alg"), [("es256_key", "ES256"), ("ed25519_key", "EdDSA"),
                                              ("rsa_key", "RS256")])
def test_tokens_signed_by_pyjwt_verify(request, fixture, alg) -> None:
    key = request.getfixturevalue(fixture)
    token = jwt.encode({"a": 1}, key, algorithm=alg, headers={"kid": "k"})
    header, payload = jws.verify(token, public_key=key.public_key(), algorithms=(alg,))
    assert payload == {"a": 1} and header["kid"] == "k"
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(FormatError):
        jws.verify(tampered, public_key=key.public_key(), algorithms=(alg,))


def test_verify_parsed_equals_verify(es256_key) -> None:
    token = jws.sign({"x": "y"}, private_key=es256_key, alg="ES256", headers={"kid": "k"})
    header, payload = jws.unverified_parts(token)
    assert jws.verify_parsed(token, header, payload, public_key=es256_key.public_key(),
                             algorithms=("ES256",)) == jws.verify(
        token, public_key=es256_key.public_key(), algorithms=("ES256",))


def _forged(es256_key, header: dict, signature: bytes | None = None) -> str:
    signing_input = _b64(header) + "." + _b64({"a": 1})
    if signature is None:
        good = jws.sign({"a": 1}, private_key=es256_key, alg="ES256", headers={})
        signature = base64url.decode(good.rsplit(".", 1)[1])
    return signing_input + "." + base64url.encode(signature)


@pytest.mark.parametrize(("header", "signature", "error"), [
    ({"alg": "ES256"}, b"\x01" * 63, InvalidSignature),           # short R||S
    ({"alg": "ES256"}, b"\x01" * 65, InvalidSignature),           # long R||S
    ({"alg": "ES256"}, b"\x00" * 64, InvalidSignature),           # r = s = 0
    ({"alg": "ES256"}, b"", InvalidSignature),
    ({"alg": "ES256", "kid": 7}, None, MalformedError),           # kid not a string
    ({"alg": "ES256", "b64": False}, None, MalformedError),       # RFC 7797 refused
    ({"alg": "ES256", "crit": ["exp"]}, None, InvalidHeader),
    ({"alg": "none"}, None, UnsupportedAlgorithm),
    ({"alg": "HS256"}, None, UnsupportedAlgorithm),
])
def test_hostile_tokens_fail_cleanly(es256_key, header, signature, error) -> None:
    token = _forged(es256_key, header, signature)
    if signature == b"":
        token += "A"  # a lone character cannot be base64url
        error = InvalidBase64
    with pytest.raises(error):
        jws.verify(token, public_key=es256_key.public_key(), algorithms=("ES256",))


def test_non_canonical_base64_refused() -> None:
    assert base64url.decode("QQ") == b"A"
    for text in ("QR", "QUI", "QUJ"):  # spare bits set: another text for the same bytes
        if text == "QUI":
            assert base64url.decode(text) == b"AB"
            continue
        with pytest.raises(InvalidBase64):
            base64url.decode(text)
