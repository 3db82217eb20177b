"""Local validation of the provider's JWT access tokens (RFC 9068) for resource servers.

Department systems and the holder wallet call the credentials API (and verify its
own) with access tokens our provider signs; the provider's userinfo, introspection and
revocation endpoints read the same tokens. We validate them like any outside
resource server would: signature with a key the provider publishes in its JWKS,
``typ`` ``at+jwt`` (RFC 9068 section 4: resource servers MUST verify it), an allowed
asymmetric ``alg``, ``iss``, ``aud`` and ``exp`` with a small leeway.

Revocation: an outside resource server sees a revoked token until it expires
(ONEGATE_ACCESS_TOKEN_TTL). Inside the service the composition root passes
``is_revoked`` (the provider's denylist of ``jti`` values, which logout, token
revocation and consent withdrawal fill), so a holder's withdrawn consent stops a
department's reuse at once.

No Flask here: the composition root builds one validator per app and hands it to the
packages; each answers the errors in its own wire format.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import jwt

#: The provider signs access tokens with ES256 only (idp.tokens.ACCESS_TOKEN_ALG);
#: RFC 8725 section 3.1: accept no algorithm the issuer does not use.
ALGORITHMS = frozenset({"ES256"})
TYP_VALUES = frozenset({"at+jwt", "application/at+jwt"})
PROVIDER = "provider"
DEFAULT_LEEWAY = 30
MAX_TOKEN_LENGTH = 8192
_KID_CACHE_SECONDS = 30.0
#: A parsed provider key is trusted this long before the ring is asked for its state
#: again; a key revoked through this process's ring (its ``generation`` moved) at once.
KEY_RECHECK_SECONDS = 2.0
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


@dataclass(frozen=True)
class AccessToken:
    """A validated token: who (``sub``), through which client, with which scopes."""

    sub: str
    client_id: str
    scopes: frozenset[str]
    claims: dict[str, Any] = field(repr=False)

    @property
    def jti(self) -> str:
        return self.claims["jti"]

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def require_scope(self, scope: str) -> None:
        """Raises InsufficientScope unless ``scope`` was granted."""
        if scope not in self.scopes:
            raise InsufficientScope(f"the token lacks scope {scope}")


class AccessTokenValidator:
    """The one validator of the provider's access tokens: the provider's own
    userinfo, introspection and revocation endpoints and every in-service resource
    API use it, with the same rules an outside resource server applies.

    ``keyring`` is a keys.KeyRing; only kids in ``keyring.jwks("provider")`` count,
    each for the algorithm it was published with. ``is_revoked(jti)``, when given, is
    asked after the signature verified (the provider's denylist). ``key_faults`` are
    the exceptions by which the ring says a key itself is unusable (keys.errors): the
    token is then invalid; anything else (a database outage) propagates.
    """

    def __init__(self, keyring: Any, *, issuer: str, audience: str,
                 leeway: int = DEFAULT_LEEWAY,
                 is_revoked: Callable[[str], bool] | None = None,
                 key_faults: tuple[type[Exception], ...] = (ValueError,)) -> None:
        self.keyring = keyring
        self.key_faults = key_faults
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.is_revoked = is_revoked
        self._kids: tuple[float, dict[str, str]] | None = None
        # kid -> (recheck after, the ring's generation, parsed public key); only kids
        # of published provider keys get here, so it is as small as the JWKS.
        self._keys: dict[str, tuple[float, Any, Any]] = {}

    def validate(self, token: object) -> AccessToken:
        """A valid, unexpired, unrevoked token for this audience; raises
        InvalidAccessToken for anything wrong with the token itself."""
        claims = self._claims(token, verify_time=True)
        if self.is_revoked is not None and self.is_revoked(claims["jti"]):
            raise InvalidAccessToken("the token was revoked")
        return AccessToken(sub=claims["sub"], client_id=claims["client_id"],
                           scopes=_scopes(claims.get("scope")), claims=claims)

    def signed_claims(self, token: object) -> dict[str, Any]:
        """Claims of a token the provider signed, expired or for another audience
        (RFC 7009 revocation and RFC 7662 introspection must recognise those); the
        signature, ``typ``, ``alg`` and ``iss`` still count. Raises InvalidAccessToken."""
        return self._claims(token, verify_time=False)

    def _claims(self, token: object, *, verify_time: bool) -> dict[str, Any]:
        header = _check_header(token)
        key = self._provider_key(header["kid"], header["alg"])
        return _decode(str(token), key, header["alg"], self.issuer,
                       self.audience if verify_time else None, self.leeway, verify_time)

    def _provider_key(self, kid: str, alg: str) -> Any:
        # A kid is trusted only for the algorithm its key was published for
        # (RFC 8725 section 3.1): an ES256 signature never meets the RSA key.
        published_alg = self._published_kids().get(kid)
        if published_alg is None:
            raise InvalidAccessToken("kid is not a published provider key")
        if published_alg != alg:
            raise InvalidAccessToken("the kid names a key for another algorithm")
        generation = getattr(self.keyring, "generation", None)
        cached = self._keys.get(kid)
        if cached is not None and cached[0] > time.monotonic() and cached[1] == generation:
            return cached[2]
        try:
            key = self.keyring.public_key(kid)
        except self.key_faults as exc:
            self._keys.pop(kid, None)
            # Only the key's own faults make the token invalid: a database that cannot
            # be reached is not the caller's fault and must surface as 503, not 401.
            raise InvalidAccessToken("provider key unavailable") from exc
        self._keys[kid] = (time.monotonic() + KEY_RECHECK_SECONDS, generation, key)
        return key

    def _published_kids(self) -> dict[str, str]:
        """kid -> alg of the provider's published keys, re-read every 30 s (revocation
        bites sooner: keyring.public_key, which reads the key's state, is asked again
        every KEY_RECHECK_SECONDS and whenever the ring's generation moved)."""
        cached = self._kids
        if cached is None or cached[0] < time.monotonic():
            kids = {k["kid"]: k["alg"] for k in self.keyring.jwks(PROVIDER)["keys"]}
            cached = self._kids = (time.monotonic() + _KID_CACHE_SECONDS, kids)
        return cached[1]


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


def _decode(token: str, key: Any, alg: str, issuer: str, audience: str | None,
            leeway: int, verify_time: bool) -> dict[str, Any]:
    options: dict[str, Any] = {"require": ["exp", "iat", "iss", "sub", "jti", "client_id"],
                               "verify_signature": True}
    if verify_time:
        options["require"].append("aud")
    else:
        options.update(verify_exp=False, verify_nbf=False, verify_iat=False, verify_aud=False)
    try:
        claims = jwt.decode(token, key, algorithms=[alg], audience=audience, issuer=issuer,
                            leeway=leeway, options=options)
    except _DECODE_ERRORS as exc:
        raise InvalidAccessToken(f"token rejected: {type(exc).__name__}") from exc
    for name in ("sub", "client_id", "jti"):
        if not isinstance(claims.get(name), str) or not claims[name]:
            raise InvalidAccessToken(f"{name} is required (RFC 9068 section 2.2)")
    if not isinstance(claims["exp"], int | float) or isinstance(claims["exp"], bool):
        raise InvalidAccessToken("exp must be a number of seconds")
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
