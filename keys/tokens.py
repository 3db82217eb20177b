"""Compact JWS signing and verification, given key objects: ES256 signatures are made
with cryptography directly (the access-token hot path), everything else with pyjwt."""

from __future__ import annotations

import base64
import json
from collections.abc import Collection
from datetime import datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from keys.algorithms import PublicKey
from keys.errors import UnknownKey
from keys.signer import Signer

_ES256 = ec.ECDSA(hashes.SHA256())


def sign(signer: Signer, claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
    """A compact JWS of ``claims``; raises TypeError if claims are not JSON-serialisable."""
    # kid and alg always come from the key: a caller's header cannot contradict them.
    header = {**(headers or {}), "kid": signer.kid, "alg": signer.alg}
    key = signer.private_key
    if (signer.alg == "ES256" and isinstance(key, ec.EllipticCurvePrivateKey)
            and isinstance(key.curve, ec.SECP256R1)
            and not any(isinstance(claims.get(n), datetime) for n in ("exp", "iat", "nbf"))):
        return _sign_es256(key, header, claims)
    return jwt.encode(claims, signer.private_key, algorithm=signer.alg, headers=header)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _sign_es256(key: ec.EllipticCurvePrivateKey, header: dict[str, Any],
                claims: dict[str, Any]) -> str:
    """What ``jwt.encode`` writes for ES256 (the same header and payload bytes: typ
    "JWT" unless given, header keys sorted, compact separators), signed with
    ``cryptography`` directly: the provider's access tokens are the hot path
    (docs/PERFORMANCE.md), and pyjwt re-prepared the key and re-checked the
    algorithm on every call. RFC 7518 section 3.4: the signature is R || S."""
    header = {"typ": "JWT", **header}
    signing_input = (_b64(json.dumps(header, separators=(",", ":"), sort_keys=True).encode())
                     + "." + _b64(json.dumps(claims, separators=(",", ":")).encode()))
    r, s = decode_dss_signature(key.sign(signing_input.encode("ascii"), _ES256))
    return signing_input + "." + _b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def unverified_kid(token: str) -> str:
    """The kid from the header, unverified; raises jwt.DecodeError or UnknownKey (no kid)."""
    kid = jwt.get_unverified_header(token).get("kid")
    if not isinstance(kid, str) or not kid:
        raise UnknownKey("token has no kid")
    return kid


def decode(token: str, key: PublicKey, *, alg: str, algorithms: Collection[str],
           audience: str | None = None, issuer: str | None = None,
           verify_iat: bool = True) -> dict[str, Any]:
    """Verified claims; raises jwt.InvalidTokenError (and subclasses) on any failure.

    Only the key's own ``alg`` is accepted, and only if the caller allows it, so
    the header cannot pick another algorithm for this key.
    """
    if alg not in algorithms:
        raise jwt.InvalidAlgorithmError(f"key algorithm {alg} is not allowed here")
    return jwt.decode(token, key, algorithms=[alg], audience=audience, issuer=issuer,
                      options={"verify_signature": True, "verify_iat": verify_iat})
