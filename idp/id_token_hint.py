"""``id_token_hint``: an ID token we issued, at the authorization endpoint (OIDC Core
3.1.2.1) and the end-session endpoint (RP-Initiated Logout 1.0 section 2).

The hint is "an ID Token previously issued by the Authorization Server": it is checked
as ours (a non-revoked provider key, the algorithm of that key, our issuer) with its
expiry ignored, as both specifications allow an expired hint. Anything else is an
invalid request. Subjects are public (discovery says ``subject_types_supported:
["public"]``), so the hint's ``sub`` compares directly with the session's.
"""

from __future__ import annotations

import jwt

from idp import clients
from idp.errors import InvalidRequestError

#: The header types an ID token of ours may carry: access tokens (at+jwt) and logout
#: tokens (logout+jwt) are signed with the same keys but are not ID tokens.
ID_TOKEN_TYPES = (None, "JWT")
PROVIDER = "provider"


class InvalidIdTokenHint(InvalidRequestError):
    """RFC 6749 section 4.1.2.1 invalid_request: the hint is not our ID token."""

    description = "The id_token_hint is not an ID token issued by this provider."


def verify(keyring, issuer: str, hint: str) -> dict:
    """The claims of ``hint``, an ID token this provider signed, expired or not.

    Raises InvalidIdTokenHint when it is not a JWT, names an unknown or revoked kid
    or another algorithm than that key's, has a bad signature, another issuer, no
    ``sub`` or ``aud``, or is not an ID token (an access or logout token).
    """
    from keys import KeyRevoked, KeyState, UnknownKey

    try:
        header = jwt.get_unverified_header(hint)
    except jwt.PyJWTError:
        raise InvalidIdTokenHint() from None
    alg, kid = header.get("alg"), header.get("kid")
    # Refuses "none", HMAC and anything we never sign ID tokens with.
    if alg not in clients.ID_TOKEN_ALGS or header.get("typ") not in ID_TOKEN_TYPES:
        raise InvalidIdTokenHint()
    ring = keyring
    record = next((r for r in ring.records(PROVIDER) if r.kid == kid), None)
    if record is None or record.state == KeyState.REVOKED or record.alg != alg:
        raise InvalidIdTokenHint()
    try:
        claims = jwt.decode(hint, ring.public_key(kid), algorithms=[record.alg],
                            issuer=issuer,
                            options={"verify_exp": False, "verify_aud": False,
                                     "verify_iat": False, "require": ["iss", "sub", "aud"]})
    except (jwt.PyJWTError, UnknownKey, KeyRevoked, ValueError, TypeError):
        raise InvalidIdTokenHint() from None
    if not isinstance(claims["sub"], str) or "events" in claims:
        raise InvalidIdTokenHint()
    return claims


def hinted_subject(keyring, issuer: str, hint: str | None) -> str | None:
    """The ``sub`` of a valid hint, or None when the request has no hint.

    Raises InvalidIdTokenHint as ``verify`` does.
    """
    return verify(keyring, issuer, hint)["sub"] if hint else None
