"""Compact JWS signing and verification with pyjwt, given key objects."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import jwt

from keys.algorithms import PublicKey
from keys.errors import UnknownKey
from keys.signer import Signer


def sign(signer: Signer, claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
    """A compact JWS of ``claims``; raises TypeError if claims are not JSON-serialisable."""
    # kid and alg always come from the key: a caller's header cannot contradict them.
    header = {**(headers or {}), "kid": signer.kid, "alg": signer.alg}
    return jwt.encode(claims, signer.private_key, algorithm=signer.alg, headers=header)


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
