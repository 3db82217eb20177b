"""Compact JWS signing and verification (RFC 7515) over pyjwt, with an algorithm allow-list.

Only asymmetric algorithms are accepted: RFC 8725 section 3.1 ("Libraries MUST enable
the caller to specify a supported set of algorithms") and RFC 9901 section 7.1
("The 'none' algorithm MUST NOT be accepted").
"""

from __future__ import annotations

from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

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
    return _jws.encode(strict_json.dumps(payload), private_key, algorithm=alg, headers=headers)


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
    """
    allowed = check_algorithms(algorithms)
    header, _ = unverified_parts(token)
    alg = header.get("alg")
    if alg not in allowed:
        raise UnsupportedAlgorithm(f"alg {alg!r} is not allowed here")
    if "crit" in header:
        # RFC 7515 section 4.1.11: recipients MUST reject critical extensions they
        # do not understand; we understand none.
        raise InvalidHeader("crit header parameters are not supported")
    check_key(alg, public_key)
    try:
        decoded = _jws.decode_complete(token, key=public_key, algorithms=[alg])
    except jwt.InvalidSignatureError as exc:
        raise InvalidSignature("signature does not verify") from exc
    except jwt.PyJWTError as exc:
        raise MalformedError(f"JWS rejected: {exc}") from exc
    return decoded["header"], strict_json.loads_object(decoded["payload"])
