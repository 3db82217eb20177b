"""RFC 7638 thumbprints and public JWKs computed by keys.jwk."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization

from keys import ALGORITHMS
from keys.algorithms import generate_private_key
from keys.jwk import b64url_decode, public_jwk, public_key_from_jwk, thumbprint

# RFC 7638 section 3.1.
RFC7638_JWK = {
    "kty": "RSA",
    "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tS"
         "oc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65Y"
         "GjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdk"
         "t-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}
RFC7638_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_rfc7638_example_thumbprint():
    assert thumbprint(RFC7638_JWK) == RFC7638_THUMBPRINT


def test_thumbprint_ignores_optional_members_and_order():
    required = {"n": RFC7638_JWK["n"], "kty": "RSA", "e": "AQAB"}
    assert thumbprint(required) == RFC7638_THUMBPRINT
    assert thumbprint({**required, "use": "sig", "d": "secret"}) == RFC7638_THUMBPRINT


@pytest.mark.parametrize("jwk", [
    {"kty": "RSA", "n": "AQAB"},
    {"kty": "EC", "crv": "P-256", "x": "AA"},
    {"kty": "oct", "k": "AA"},
    {},
])
def test_incomplete_or_unsupported_jwk_is_refused(jwk):
    with pytest.raises(ValueError):
        thumbprint(jwk)


def _raw(key) -> bytes:
    return key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_public_jwk_round_trips_and_holds_only_public_members(alg):
    public = generate_private_key(alg).public_key()
    jwk = public_jwk(public)
    assert set(jwk) <= {"kty", "crv", "x", "y", "n", "e"}
    assert _raw(public_key_from_jwk(jwk)) == _raw(public)


def test_p256_coordinates_are_full_length():
    # RFC 7518 6.2.1.2: x and y are always 32 octets, leading zeros kept.
    for _ in range(20):
        jwk = public_jwk(generate_private_key("ES256").public_key())
        assert len(b64url_decode(jwk["x"])) == len(b64url_decode(jwk["y"])) == 32


def test_unsupported_algorithm_is_refused():
    with pytest.raises(ValueError):
        generate_private_key("HS256")
