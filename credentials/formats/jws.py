"""Compact JWS signing and verification (RFC 7515) over pyjwt, with an algorithm allow-list.

Only asymmetric algorithms are accepted: RFC 8725 section 3.1 ("Libraries MUST enable
the caller to specify a supported set of algorithms") and RFC 9901 section 7.1
("The 'none' algorithm MUST NOT be accepted").
"""

from __future__ import annotations

import json
from typing import Any

import jwt
from cryptography.exceptions import InvalidSignature as InvalidSignatureError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from credentials.formats import base64url, strict_json
from credentials.formats.errors import (
    InvalidHeader,
    InvalidSignature,
    KeyAlgorithmMismatch,
    MalformedError,
    UnsupportedAlgorithm,
)

SUPPORTED_ALGORITHMS = frozenset({"ES256", "EdDSA", "RS256"})

_KEY_TYPES: dict[str, tuple[type, ...]] = {
    "ES256": (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey),
    "EdDSA": (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey),
    "RS256": (rsa.RSAPrivateKey, rsa.RSAPublicKey),
}

_jws = jwt.PyJWS()
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())


def check_algorithms(algorithms: tuple[str, ...] | list[str] | frozenset[str]) -> frozenset[str]:
    """Return the allow-list as a set. Raises UnsupportedAlgorithm for empty or unknown names."""
    allowed = frozenset(algorithms)
    if not allowed or not allowed <= SUPPORTED_ALGORITHMS:
        raise UnsupportedAlgorithm(
            f"algorithms must be a non-empty subset of {sorted(SUPPORTED_ALGORITHMS)}"
        )
    return allowed


def check_key(alg: str, key: Any) -> None:
    """Raise UnsupportedAlgorithm or KeyAlgorithmMismatch unless ``key`` suits ``alg``."""
    if alg not in _KEY_TYPES:
        raise UnsupportedAlgorithm(f"unsupported alg {alg!r}")
    if not isinstance(key, _KEY_TYPES[alg]):
        raise KeyAlgorithmMismatch(f"key type does not match {alg}")
    if alg == "ES256" and not isinstance(key.curve, ec.SECP256R1):
        # RFC 7518 section 3.4: ES256 is ECDSA using P-256 and SHA-256.
        raise KeyAlgorithmMismatch("ES256 needs a P-256 key")


def sign(payload: dict[str, Any], *, private_key: Any, alg: str, headers: dict[str, Any]) -> str:
    """Sign ``payload`` as a compact JWS.

    Raises UnsupportedAlgorithm or KeyAlgorithmMismatch for a bad alg/key pair.
    """
    check_key(alg, private_key)
    if (alg != "ES256" or "alg" in headers or "b64" in headers
            or not isinstance(headers.get("kid", ""), str)):
        return _jws.encode(strict_json.dumps(payload), private_key, algorithm=alg,
                           headers=headers)
    # ES256 directly with cryptography (the issuance hot path): the header pyjwt
    # would write (``typ`` JWT unless given, keys sorted, compact), R || S signature.
    # keys.es256 does the same for access tokens; this pure core imports no other
    # package of ours, so the few lines are kept here too (tests/keys/test_tokens_es256.py
    # checks that both write the same bytes).
    header = {"typ": "JWT", "alg": alg, **headers}
    if not header["typ"]:
        del header["typ"]
    signing_input = (base64url.encode(json.dumps(header, separators=(",", ":"),
                                                 sort_keys=True).encode())
                     + "." + base64url.encode(strict_json.dumps(payload)))
    r, s = decode_dss_signature(private_key.sign(signing_input.encode("ascii"), _ECDSA_SHA256))
    return signing_input + "." + base64url.encode(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def unverified_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Decode header and payload WITHOUT checking the signature (for routing only).

    Raises MalformedError, InvalidBase64 or InvalidJson.
    """
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3 or not all(parts):
        raise MalformedError("a compact JWS has three non-empty parts")
    header = strict_json.loads_object(base64url.decode(parts[0]))
    payload = strict_json.loads_object(base64url.decode(parts[1]))
    base64url.decode(parts[2])
    return header, payload


def verify(
    token: str, *, public_key: Any, algorithms: tuple[str, ...] | list[str] | frozenset[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify a compact JWS and return (header, payload).

    Raises MalformedError/InvalidJson/InvalidBase64 for structure, UnsupportedAlgorithm
    when the header alg is not allowed, KeyAlgorithmMismatch, InvalidHeader (``crit``),
    or InvalidSignature.

    The parts are decoded once and the signature checked with ``cryptography``
    directly (pyjwt's decode parsed everything a second time and scanned every
    character in Python: 35-45% of the raw verify rate, docs/PERFORMANCE.md).
    """
    header, payload = unverified_parts(token)
    return verify_parsed(token, header, payload, public_key=public_key, algorithms=algorithms)


def verify_parsed(
    token: str, header: dict[str, Any], payload: dict[str, Any], *, public_key: Any,
    algorithms: tuple[str, ...] | list[str] | frozenset[str],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``verify`` for a token whose ``header`` and ``payload`` came from
    ``unverified_parts(token)`` already (the parts are not decoded twice); same errors.
    """
    allowed = check_algorithms(algorithms)
    alg = header.get("alg")
    if alg not in allowed:
        raise UnsupportedAlgorithm(f"alg {alg!r} is not allowed here")
    if "crit" in header:
        # RFC 7515 section 4.1.11: recipients MUST reject critical extensions they
        # do not understand; we understand none.
        raise InvalidHeader("crit header parameters are not supported")
    if "kid" in header and not isinstance(header["kid"], str):
        raise MalformedError("JWS rejected: Key ID header parameter must be a string")
    if header.get("b64", True) is not True:
        # RFC 7797 unencoded payloads are not used here (and need crit, refused above).
        raise MalformedError("JWS rejected: b64 must not be false")
    check_key(alg, public_key)
    signing_input, _, signature = token.rpartition(".")
    if not _signature_ok(alg, public_key, signing_input.encode("ascii"),
                         base64url.decode(signature)):
        raise InvalidSignature("signature does not verify")
    return header, payload


def _signature_ok(alg: str, key: Any, data: bytes, signature: bytes) -> bool:
    try:
        if alg == "ES256":
            # RFC 7518 section 3.4: R || S, 32 octets each.
            if len(signature) != 64:
                return False
            der = encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                       int.from_bytes(signature[32:], "big"))
            key.verify(der, data, _ECDSA_SHA256)
        elif alg == "EdDSA":
            key.verify(signature, data)
        else:
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignatureError:
        return False
    return True
