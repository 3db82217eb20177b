"""SD-JWT VC (draft-ietf-oauth-sd-jwt-vc): an SD-JWT typed ``dc+sd-jwt`` carrying a ``vct``.

Registered claims ``iss``, ``vct``, ``iat``, ``nbf``, ``exp``, ``status`` and ``cnf``
are always plaintext: the draft's "Registered JWT Claims" section says ``iss``,
``nbf``, ``exp``, ``cnf``, ``vct`` and ``status`` "MUST NOT be selectively disclosed".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from credentials.formats import sd_jwt, validity
from credentials.formats.errors import (
    InvalidClaim,
    InvalidHeader,
    InvalidIssuanceRequest,
    MissingClaim,
)
from credentials.formats.sd_jwt import VerifiedSdJwt

TYP = "dc+sd-jwt"
REGISTERED = frozenset({"iss", "vct", "iat", "nbf", "exp", "status", "cnf"})


@dataclass(frozen=True)
class VerifiedSdJwtVc:
    """A verified credential: processed ``claims`` plus the ``verified`` SD-JWT (for KB checks)."""

    claims: dict[str, Any]
    verified: VerifiedSdJwt

    @property
    def kid(self) -> str | None:
        return self.verified.header.get("kid")


def issue(
    claims: dict[str, Any],
    disclosable: set[str],
    *,
    private_key: Any,
    alg: str,
    kid: str,
    iss: str,
    vct: str,
    iat: int,
    nbf: int,
    exp: int,
    status: dict[str, Any] | None = None,
    cnf_jwk: dict[str, Any] | None = None,
    decoys: int | None = None,
) -> str:
    """Issue an SD-JWT VC ``<jwt>~<disclosure>~...~``.

    ``claims`` holds licence claims only; registered claims come from the keywords.
    Raises InvalidIssuanceRequest (registered or reserved names in ``claims``, a
    private ``cnf_jwk``), ReservedClaimName, UnsupportedAlgorithm or KeyAlgorithmMismatch.
    """
    if REGISTERED & set(claims):
        raise InvalidIssuanceRequest(f"pass {sorted(REGISTERED & set(claims))} as keywords")
    if cnf_jwk is not None and "d" in cnf_jwk:
        raise InvalidIssuanceRequest("cnf_jwk must be a public key")
    payload: dict[str, Any] = {"iss": iss, "vct": vct, "iat": iat, "nbf": nbf, "exp": exp}
    if status is not None:
        payload["status"] = status
    if cnf_jwk is not None:
        payload["cnf"] = {"jwk": cnf_jwk}
    payload.update(claims)
    headers = {"typ": TYP, "kid": kid}
    return sd_jwt.issue(
        payload, disclosable, private_key=private_key, alg=alg, headers=headers, decoys=decoys
    )


def verify(
    text: str,
    *,
    public_key: Any,
    algorithms: Iterable[str],
    now: int,
    leeway: int = 0,
    expected_iss: str | None = None,
) -> VerifiedSdJwtVc:
    """Verify an SD-JWT VC (signature, ``typ``, Disclosures, ``vct``, time window).

    Key Binding is checked separately with ``key_binding.verify_key_binding`` on
    the returned ``verified``. Raises every ``sd_jwt.parse`` / ``verify_signature``
    error, InvalidHeader (typ), MissingClaim, InvalidClaim, Expired or NotYetValid.
    """
    verified = sd_jwt.verify_signature(sd_jwt.parse(text), public_key, algorithms)
    if verified.header.get("typ") != TYP:
        # SD-JWT VC draft, "JOSE Header": the `typ` header "MUST be `dc+sd-jwt`".
        raise InvalidHeader(f"typ must be {TYP}")
    claims = sd_jwt.resolve_disclosures(verified)
    _check_registered(claims, expected_iss)
    # RFC 9901 section 7.1 step 6: check nbf/exp; our profile requires exp.
    validity.check_window(exp=claims.get("exp"), nbf=claims.get("nbf"), now=now, leeway=leeway)
    return VerifiedSdJwtVc(claims=claims, verified=verified)


def _check_registered(claims: dict[str, Any], expected_iss: str | None) -> None:
    if not isinstance(claims.get("vct"), str):
        # SD-JWT VC draft, "New JWT Claims": `vct` is REQUIRED and a string.
        raise MissingClaim("vct is required")
    if expected_iss is not None and claims.get("iss") != expected_iss:
        raise InvalidClaim("unexpected iss")
    validity.numeric_date(claims.get("iat"), "iat", required=False)
