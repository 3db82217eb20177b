"""The published trust list: which departments may issue which licence types, with
their keys. Signed by the provider key as a JWT of type ``trustlist+jwt``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from verify.sources import InMemoryTrustSource, TrustedIssuer

TYP = "trustlist+jwt"
LIFETIME = 86400
SIGNING_OWNER, SIGNING_ALG = "provider", "ES256"


def document(issuers: Iterable[TrustedIssuer], *, base: str, now: int) -> dict[str, Any]:
    """The trust list claims: ``iss``, ``iat``, ``exp`` and ``issuers``."""
    return {"iss": base, "iat": now, "exp": now + LIFETIME,
            "issuers": [issuer.to_json() for issuer in issuers]}


def sign(keyring: Any, claims: dict[str, Any]) -> str:
    """Raises keys.NoActiveKey if the provider has no ES256 key."""
    return keyring.sign_jwt(SIGNING_OWNER, SIGNING_ALG, claims, headers={"typ": TYP})


def trust_source(claims: dict[str, Any]) -> InMemoryTrustSource:
    """A TrustSource from (already verified) trust list claims.

    Raises KeyError, TypeError or ValueError on a malformed document.
    """
    issuers = claims["issuers"]
    if not isinstance(issuers, list):
        raise ValueError("issuers must be a list")
    return InMemoryTrustSource([TrustedIssuer.from_json(item) for item in issuers])
