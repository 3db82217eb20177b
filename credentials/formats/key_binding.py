"""Key Binding JWT for SD-JWT presentations (RFC 9901 sections 4.3, 4.3.1 and 7.3)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import jwt

from credentials.formats import base64url, jws
from credentials.formats.errors import (
    AudienceMismatch,
    InvalidHeader,
    KeyBindingError,
    KeyBindingMissing,
    KeyBindingNotAllowed,
    KeyBindingStale,
    NonceMismatch,
    SdHashMismatch,
)
from credentials.formats.sd_jwt import VerifiedSdJwt, parse

KB_TYP = "kb+jwt"
HOLDER_ALGORITHMS = ("ES256", "EdDSA")


def sd_hash(sd_jwt_part: str) -> str:
    """Digest of ``<JWT>~<D1>~...~<Dn>~`` (RFC 9901 section 4.3.1), base64url SHA-256."""
    return base64url.encode(hashlib.sha256(sd_jwt_part.encode("ascii")).digest())


def add_key_binding(
    presentation: str, holder_private_key: Any, alg: str, audience: str, nonce: str, iat: int
) -> str:
    """Append a KB-JWT to an SD-JWT presentation, producing an SD-JWT+KB.

    Raises KeyBindingNotAllowed if one is already attached, the ``sd_jwt.parse``
    errors, UnsupportedAlgorithm or KeyAlgorithmMismatch.
    """
    parsed = parse(presentation)
    if parsed.kb_jwt is not None:
        raise KeyBindingNotAllowed("presentation already has a Key Binding JWT")
    part = parsed.without_key_binding()
    payload = {"iat": iat, "aud": audience, "nonce": nonce, "sd_hash": sd_hash(part)}
    # RFC 9901 section 4.3: `typ` "MUST be `kb+jwt`".
    token = jws.sign(payload, private_key=holder_private_key, alg=alg, headers={"typ": KB_TYP})
    return part + token


def holder_key(verified: VerifiedSdJwt) -> Any:
    """The Holder public key from ``cnf.jwk`` (RFC 9901 section 4.1.2, RFC 7800 section 3.2).

    Raises KeyBindingError if the credential has no usable ``cnf.jwk``.
    """
    cnf = verified.payload.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    if not isinstance(jwk, dict) or "d" in jwk:
        raise KeyBindingError("credential has no public cnf.jwk")
    try:
        return jwt.PyJWK(jwk).key
    except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError) as exc:
        raise KeyBindingError("cnf.jwk is not a usable public key") from exc


def verify_key_binding(
    verified: VerifiedSdJwt,
    *,
    audience: str,
    nonce: str,
    max_age_seconds: int,
    now: int,
    algorithms: Iterable[str] = HOLDER_ALGORITHMS,
) -> dict[str, Any]:
    """Check the KB-JWT of a verified SD-JWT+KB (RFC 9901 section 7.3) and return its payload.

    Raises KeyBindingMissing, KeyBindingError, UnsupportedAlgorithm, InvalidSignature,
    InvalidHeader, KeyBindingStale, AudienceMismatch, NonceMismatch or SdHashMismatch.
    """
    parsed = verified.parsed
    if parsed.kb_jwt is None:
        # Section 7.3: if Key Binding is required and absent, the Verifier "MUST reject".
        raise KeyBindingMissing("Key Binding is required but no KB-JWT was presented")
    header, payload = jws.verify(
        parsed.kb_jwt, public_key=holder_key(verified), algorithms=tuple(algorithms)
    )
    if header.get("typ") != KB_TYP:
        raise InvalidHeader("KB-JWT typ MUST be kb+jwt (RFC 9901 section 7.3)")
    _check_freshness(payload.get("iat"), max_age_seconds=max_age_seconds, now=now)
    _check_binding(payload, audience=audience, nonce=nonce, part=parsed.without_key_binding())
    return payload


def _check_freshness(iat: Any, *, max_age_seconds: int, now: int, skew: int = 60) -> None:
    # Section 7.3: "Check that the creation time of the Key Binding JWT, as determined
    # by the `iat` claim, is within an acceptable window."
    if isinstance(iat, bool) or not isinstance(iat, int):
        raise KeyBindingError("KB-JWT iat is required and must be an integer")
    if iat < now - max_age_seconds or iat > now + skew:
        raise KeyBindingStale("KB-JWT iat is outside the accepted window")


def _check_binding(payload: dict[str, Any], *, audience: str, nonce: str, part: str) -> None:
    # Section 7.3: validate `nonce` and `aud` (replay detection), then `sd_hash`.
    if payload.get("aud") != audience:
        raise AudienceMismatch("KB-JWT aud does not name this Verifier")
    if payload.get("nonce") != nonce:
        raise NonceMismatch("KB-JWT nonce does not match")
    if payload.get("sd_hash") != sd_hash(part):
        raise SdHashMismatch("KB-JWT sd_hash does not cover this presentation")
