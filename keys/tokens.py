"""Compact JWS signing and verification, given key objects: ES256 signatures are made
with cryptography directly (the access-token hot path), everything else with pyjwt."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import Any

import jwt

from keys import es256
from keys.algorithms import PublicKey
from keys.errors import UnknownKey
from keys.signer import Signer


def sign(signer: Signer, claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
    """A compact JWS of ``claims``; raises TypeError if claims are not JSON-serialisable."""
    # kid and alg always come from the key: a caller's header cannot contradict them.
    header = {**(headers or {}), "kid": signer.kid, "alg": signer.alg}
    key = signer.private_key
    if (signer.alg == "ES256" and es256.usable(key)
            and not any(isinstance(claims.get(n), datetime) for n in ("exp", "iat", "nbf"))):
        return _sign_es256(key, header, claims)
    return jwt.encode(claims, signer.private_key, algorithm=signer.alg, headers=header)


def _sign_es256(key, header: dict[str, Any], claims: dict[str, Any]) -> str:
    """What ``jwt.encode`` writes for ES256 (typ "JWT" unless given, the claims in
    compact JSON), signed by ``keys.es256``: the provider's access tokens are the hot
    path."""
    return es256.sign_compact(key, {"typ": "JWT", **header},
                              json.dumps(claims, separators=(",", ":")).encode())


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
