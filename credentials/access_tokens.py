"""Local validation of the provider's JWT access tokens (RFC 9068) for resource servers.

Department systems and the holder wallet call the credentials API (and verify/ its
own) with access tokens our provider signs. We validate them like any outside
resource server would: signature with a key the provider publishes in its JWKS,
``typ`` ``at+jwt`` (RFC 9068 section 4: resource servers MUST verify it), an allowed
asymmetric ``alg``, ``iss``, ``aud`` and ``exp`` with a small leeway.

Revocation: an outside resource server sees a revoked token until it expires
(ONEGATE_ACCESS_TOKEN_TTL). Inside the service the composition root passes
``is_revoked`` (the provider's denylist of ``jti`` values, which logout, token
revocation and consent withdrawal fill), so a holder's withdrawn consent stops a
department's reuse at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import jwt

from keys.errors import KeysError

#: The provider signs access tokens with ES256 only (idp.tokens.ACCESS_TOKEN_ALG);
#: RFC 8725 section 3.1: accept no algorithm the issuer does not use.
ALGORITHMS = frozenset({"ES256"})
TYP_VALUES = frozenset({"at+jwt", "application/at+jwt"})
PROVIDER = "provider"
DEFAULT_LEEWAY = 30
MAX_TOKEN_LENGTH = 8192
_KID_CACHE_SECONDS = 30.0
_kid_cache: dict[int, tuple[float, dict[str, str]]] = {}
#: What hostile input makes pyjwt (and json under it) raise besides PyJWTError.
_DECODE_ERRORS = (jwt.PyJWTError, ValueError, TypeError, KeyError, RecursionError)


class AccessTokenError(Exception):
    """Base class; ``error`` is the RFC 6750 section 3.1 code, ``status`` the HTTP status."""

    error = "invalid_token"
    status = 401


class InvalidAccessToken(AccessTokenError):
    """Malformed, wrongly typed, unsigned by a published provider key, expired, foreign."""


class InsufficientScope(AccessTokenError):
    error = "insufficient_scope"
    status = 403


#: app.extensions key of the in-service revocation check, ``jti -> bool``.
REVOCATION_HOOK = "onegate.access_token_revoked"


@dataclass(frozen=True)
class AccessToken:
    """A validated token: who (``sub``), through which client, with which scopes."""

    sub: str
    client_id: str
    scopes: frozenset[str]
    claims: dict[str, Any] = field(repr=False)

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def require_scope(self, scope: str) -> None:
        """Raises InsufficientScope unless ``scope`` was granted."""
        if scope not in self.scopes:
            raise InsufficientScope(f"the token lacks scope {scope}")


def validate_access_token(token: str, *, keyring: Any, issuer: str, audience: str,
                          leeway: int = DEFAULT_LEEWAY,
                          is_revoked: Callable[[str], bool] | None = None) -> AccessToken:
    """Validate an access token locally and return what it says.

    ``keyring`` is a keys.KeyRing; only kids in ``keyring.jwks("provider")`` count.
    ``is_revoked(jti)``, when given, is asked after the signature verified.
    Raises InvalidAccessToken for anything wrong with the token itself.
    """
    header = _check_header(token)
    key = _provider_key(keyring, header["kid"], header["alg"])
    claims = _decode(token, key, header["alg"], issuer, audience, leeway)
    if is_revoked is not None and is_revoked(str(claims.get("jti", ""))):
        raise InvalidAccessToken("the token was revoked")
    return AccessToken(sub=claims["sub"], client_id=claims["client_id"],
                       scopes=_scopes(claims.get("scope")), claims=claims)


def _check_header(token: Any) -> dict[str, Any]:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidAccessToken("token missing or too long")
    try:
        header = jwt.get_unverified_header(token)
    except _DECODE_ERRORS as exc:
        raise InvalidAccessToken("token is not a JWT") from exc
    typ = header.get("typ")
    if not isinstance(typ, str) or typ.lower() not in TYP_VALUES:
        raise InvalidAccessToken("typ must be at+jwt (RFC 9068 section 4)")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in ALGORITHMS:
        raise InvalidAccessToken("algorithm not allowed")
    if not isinstance(header.get("kid"), str):
        raise InvalidAccessToken("token has no kid")
    return header


def _provider_key(keyring: Any, kid: str, alg: str) -> Any:
    # A kid is trusted only for the algorithm its key was published for
    # (RFC 8725 section 3.1): an ES256 signature never meets the RSA key.
    published_alg = _published_kids(keyring).get(kid)
    if published_alg is None:
        raise InvalidAccessToken("kid is not a published provider key")
    if published_alg != alg:
        raise InvalidAccessToken("the kid names a key for another algorithm")
    try:
        return keyring.public_key(kid)
    except (KeysError, ValueError) as exc:
        # Only the key's own faults make the token invalid: a database that cannot be
        # reached is not the caller's fault and must surface as 503, not 401.
        raise InvalidAccessToken("provider key unavailable") from exc


def _published_kids(keyring: Any) -> dict[str, str]:
    """kid -> alg of the provider's published keys."""
    # The JWKS read is cached briefly; revocation still bites at once because
    # keyring.public_key reads the key's state from the store.
    cached = _kid_cache.get(id(keyring))
    if cached is None or cached[0] < time.monotonic():
        kids = {k["kid"]: k["alg"] for k in keyring.jwks(PROVIDER)["keys"]}
        cached = (time.monotonic() + _KID_CACHE_SECONDS, kids)
        _kid_cache[id(keyring)] = cached
    return cached[1]


def _decode(token: str, key: Any, alg: str, issuer: str, audience: str,
            leeway: int) -> dict[str, Any]:
    options = {"require": ["exp", "iat", "iss", "aud", "sub"], "verify_signature": True}
    try:
        claims = jwt.decode(token, key, algorithms=[alg], audience=audience, issuer=issuer,
                            leeway=leeway, options=options)
    except _DECODE_ERRORS as exc:
        raise InvalidAccessToken(f"token rejected: {type(exc).__name__}") from exc
    for name in ("sub", "client_id", "jti"):
        if not isinstance(claims.get(name), str) or not claims[name]:
            raise InvalidAccessToken(f"{name} is required (RFC 9068 section 2.2)")
    return claims


def _scopes(value: Any) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, str):
        raise InvalidAccessToken("scope must be a space-separated string")
    return frozenset(value.split())


def scopes_needed(scopes: Iterable[str]) -> str:
    """The scope list for a WWW-Authenticate ``scope`` attribute."""
    return " ".join(sorted(scopes))
