"""The ``id_token_hint`` of an authorization request (OIDC Core 3.1.2.1).

The hint is "an ID Token previously issued by the Authorization Server": it is checked
as ours (one of the provider's published keys, the algorithm that key is for, our
issuer) with its expiry ignored, as the section allows an expired hint. Anything else
is an invalid request. Subjects are public (discovery says ``subject_types_supported:
["public"]``), so the hint's ``sub`` compares directly with the session's.
"""

from __future__ import annotations

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from idp import storage, tokens
from idp.errors import InvalidRequestError, InvalidTokenError

#: The header types an ID token of ours may carry: access tokens (at+jwt) and logout
#: tokens (logout+jwt) are signed with the same keys but are not ID tokens.
ID_TOKEN_TYPES = (None, "JWT")


class InvalidIdTokenHint(InvalidRequestError):
    """RFC 6749 section 4.1.2.1 invalid_request: the hint is not our ID token."""

    description = "The id_token_hint is not an ID token issued by this provider."


def _alg_for(key) -> str | None:
    """The one JWS algorithm a provider key of this type signs with."""
    if isinstance(key, rsa.RSAPublicKey):
        return "RS256"
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return "ES256"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "EdDSA"
    return None


def hinted_subject(hint: str | None) -> str | None:
    """The ``sub`` of a valid hint, or None when the request has no hint.

    Raises InvalidIdTokenHint when the hint is not a JWT, names an unknown kid or an
    algorithm other than its key's, has a bad signature, another issuer, no ``sub``,
    or is not an ID token (an access or logout token).
    """
    if not hint:
        return None
    try:
        header = jwt.get_unverified_header(hint)
        key = tokens.provider_key(header.get("kid"))
        alg = header.get("alg")
        if alg != _alg_for(key) or header.get("typ") not in ID_TOKEN_TYPES:
            raise InvalidIdTokenHint()
        claims = jwt.decode(hint, key, algorithms=[alg], issuer=storage.issuer(),
                            options={"verify_exp": False, "verify_aud": False,
                                     "require": ["iss", "sub", "aud", "iat"]})
    except (jwt.PyJWTError, InvalidTokenError, ValueError, TypeError):
        raise InvalidIdTokenHint() from None
    if not isinstance(claims["sub"], str) or "events" in claims:
        raise InvalidIdTokenHint()
    return claims["sub"]
