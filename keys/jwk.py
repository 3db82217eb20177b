"""Public JWKs (RFC 7517/7518/8037) and their RFC 7638 thumbprints, computed here."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from keys.algorithms import PublicKey

#: RFC 7638 section 3.2: the required public members of each key type, the only
#: members the thumbprint hashes and the only ones we ever publish.
REQUIRED_MEMBERS = {
    "EC": ("crv", "kty", "x", "y"),
    "RSA": ("e", "kty", "n"),
    "OKP": ("crv", "kty", "x"),
}
P256_COORDINATE_BYTES = 32


def b64url(data: bytes) -> str:
    """Unpadded base64url (RFC 7515 section 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url; raises ValueError on malformed input."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (TypeError, ValueError) as exc:
        raise ValueError("malformed base64url") from exc


def _uint(value: int, length: int | None = None) -> str:
    size = length or max(1, (value.bit_length() + 7) // 8)
    return b64url(value.to_bytes(size, "big"))


def public_jwk(key: PublicKey) -> dict[str, str]:
    """The required public members of ``key``; raises ValueError for other key types."""
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        numbers = key.public_numbers()
        return {"kty": "EC", "crv": "P-256", "x": _uint(numbers.x, P256_COORDINATE_BYTES),
                "y": _uint(numbers.y, P256_COORDINATE_BYTES)}
    if isinstance(key, rsa.RSAPublicKey):
        numbers = key.public_numbers()
        return {"kty": "RSA", "n": _uint(numbers.n), "e": _uint(numbers.e)}
    if isinstance(key, ed25519.Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}
    raise ValueError(f"unsupported public key type {type(key).__name__}")


def required_members(jwk: dict[str, Any]) -> dict[str, str]:
    """Only the RFC 7638 required members; raises ValueError if any is missing."""
    names = REQUIRED_MEMBERS.get(jwk.get("kty", ""))
    if names is None:
        raise ValueError(f"unsupported kty {jwk.get('kty')!r}")
    missing = [name for name in names if not isinstance(jwk.get(name), str)]
    if missing:
        raise ValueError(f"JWK lacks required members {missing}")
    return {name: jwk[name] for name in names}


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 SHA-256 thumbprint, base64url; raises ValueError on an incomplete JWK."""
    # Sorted keys, no whitespace and ASCII-only members give the canonical form.
    canonical = json.dumps(required_members(jwk), sort_keys=True, separators=(",", ":"))
    return b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def public_key_from_jwk(jwk: dict[str, Any]) -> PublicKey:
    """Rebuild the public key; raises ValueError on an unsupported or malformed JWK."""
    members = required_members(jwk)
    if members["kty"] == "EC" and members["crv"] == "P-256":
        x, y = (int.from_bytes(b64url_decode(members[c]), "big") for c in ("x", "y"))
        return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    if members["kty"] == "RSA":
        n, e = (int.from_bytes(b64url_decode(members[c]), "big") for c in ("n", "e"))
        return rsa.RSAPublicNumbers(e, n).public_key()
    if members["kty"] == "OKP" and members["crv"] == "Ed25519":
        return ed25519.Ed25519PublicKey.from_public_bytes(b64url_decode(members["x"]))
    raise ValueError(f"unsupported curve {members.get('crv')!r}")
