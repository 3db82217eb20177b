"""The tokens the provider signs: JWT access tokens (RFC 9068), ID tokens (OIDC Core
2), logout tokens (Back-Channel Logout 2.4), and the access-token denylist."""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import jwt
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from authlib.oidc.core.util import create_half_hash
from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.orm import Session

from edge.timestamps import utcnow
from idp import storage
from idp.errors import InvalidTokenError
from idp.models.tokens import RevokedAccessToken

PROVIDER = "provider"
ACCESS_TOKEN_ALG = "ES256"  # noqa: S105
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_TTL = 120


def new_jti() -> str:
    return uuid.uuid4().hex


def api_audience() -> str:
    """The default resource the access tokens are for (RFC 9068 section 3)."""
    return storage.issuer() + "/api"


def _ring():
    return current_app.extensions["onegate.keyring"]


_SIGNER_TTL = 30.0
_signers: dict[tuple[int, str], tuple[float, object]] = {}


def sign(alg: str, claims: dict, headers: dict | None = None) -> str:
    """Sign with the provider's active ``alg`` key.

    The ring's signer() reads the store (to promote due keys); caching the Signer
    for 30 s keeps the token endpoint free of that read on every grant.
    """
    from keys import tokens as jws

    ring = _ring()
    key = (id(ring), alg)
    cached = _signers.get(key)
    if cached is None or cached[0] < time.monotonic():
        cached = (time.monotonic() + _SIGNER_TTL, ring.signer(PROVIDER, alg))
        _signers[key] = cached
    return jws.sign(cached[1], claims, headers)


@dataclass
class EndUser:
    """The authenticated person behind a grant, with what their login proved."""

    sub: str
    sid: str | None
    auth_time: int
    acr: str | None = None
    amr: list | None = None
    access_jti: str = field(default_factory=new_jti)
    family_id: str | None = None

    def get_user_id(self):
        return self.sub


class AccessTokenGenerator(JWTBearerTokenGenerator):
    """RFC 9068 JWT access tokens signed through the key ring (parsed keys cached by
    kid), so issuing one costs a signature and no database write."""

    def __init__(self):
        super().__init__(issuer=None, alg=ACCESS_TOKEN_ALG,
                         refresh_token_generator=self._refresh_token,
                         expires_generator=self._expires_in)

    @staticmethod
    def _refresh_token(**_kw) -> str:
        return secrets.token_urlsafe(32)

    @staticmethod
    def _expires_in(client, grant_type) -> int:
        return storage.settings()["ACCESS_TOKEN_TTL"]

    def access_token_generator(self, client, grant_type, user, scope):
        now = int(time.time())
        # RFC 9068 section 2.2: iss, exp, aud, sub, client_id, iat and jti are REQUIRED.
        claims = {
            "iss": storage.issuer(),
            "exp": now + self._expires_in(client, grant_type),
            "aud": [api_audience()],
            # Section 2.2: for grants without a resource owner (client
            # credentials) sub SHOULD identify the client.
            "sub": user.sub if user else client.get_client_id(),
            "client_id": client.get_client_id(),
            "iat": now,
            "jti": user.access_jti if user else new_jti(),
        }
        if scope:
            claims["scope"] = scope
        if user:
            claims["auth_time"] = user.auth_time
            if user.acr:
                claims["acr"] = user.acr
            claims.update(identity_claims(user.sub, scope))
        # Section 2.1: JWT access tokens MUST include "at+jwt" in the typ header.
        return sign(ACCESS_TOKEN_ALG, claims, headers={"typ": "at+jwt"})


def identity_claims(sub: str, scope: str | None) -> dict:
    """The ID number or credit code for resource servers (RFC 9068 section 2.2.2
    allows identity claims), only when the person consented to the ``identity``
    scope: the licence APIs find the holder's licences by it."""
    if "identity" not in (scope or "").split():
        return {}
    from idp import accounts

    with storage.transaction() as session:
        account = accounts.get_by_sub(session, sub)
        found = accounts.claims_for(account, {"identity"}) if account else {}
    return {k: v for k, v in found.items() if k in ("cn_id_number", "cn_uscc")}


def id_token(client, user: EndUser, *, nonce: str | None, access_token: str | None) -> str:
    """An ID token (OIDC Core 2) signed with the client's registered algorithm."""
    alg = client.row.id_token_signed_response_alg or "RS256"
    now = int(time.time())
    claims = {
        "iss": storage.issuer(),
        "sub": user.sub,
        "aud": client.get_client_id(),
        "exp": now + storage.settings()["ID_TOKEN_TTL"],
        "iat": now,
        # OIDC Core 3.1.2.1 / 2: auth_time is REQUIRED when max_age was requested;
        # we always include it.
        "auth_time": user.auth_time,
    }
    if nonce:
        # OIDC Core 3.1.3.7: the nonce from the authentication request MUST be present.
        claims["nonce"] = nonce
    if user.acr:
        claims["acr"] = user.acr
    if user.amr:
        claims["amr"] = list(user.amr)
    if user.sid:
        # Back-Channel Logout 2.1: with session_supported the OP includes sid.
        claims["sid"] = user.sid
    if access_token:
        # OIDC Core 3.1.3.6: at_hash is the left half of the hash of the access token.
        claims["at_hash"] = create_half_hash(access_token, alg).decode("ascii")
    return sign(alg, claims)


def logout_token(client, *, sub: str | None, sid: str | None) -> str:
    """Back-Channel Logout 1.0 section 2.4 logout token (``typ: logout+jwt``)."""
    now = int(time.time())
    claims = {
        "iss": storage.issuer(),
        "aud": client.get_client_id(),
        "iat": now,
        "exp": now + LOGOUT_TOKEN_TTL,
        "jti": new_jti(),
        "events": {BACKCHANNEL_EVENT: {}},
    }
    # Section 2.4: a logout token MUST contain a sub or a sid claim, and MUST NOT
    # contain a nonce claim.
    if sub:
        claims["sub"] = sub
    if sid:
        claims["sid"] = sid
    alg = client.row.id_token_signed_response_alg or "RS256"
    return sign(alg, claims, headers={"typ": "logout+jwt"})


# --- verification of our own tokens ------------------------------------------------

_keys_lock = threading.Lock()
_published: dict[int, tuple[float, dict]] = {}
_KEYS_TTL = 60.0


def _published_keys(*, refresh: bool = False) -> dict:
    """kid -> (alg, public key) of what the provider publishes (next, active,
    retired), parsed once and cached for a minute (revoking a key takes effect
    within it)."""
    from keys.jwk import public_key_from_jwk

    ring = _ring()
    with _keys_lock:
        at, keys = _published.get(id(ring), (0.0, {}))
        age = time.monotonic() - at
        if age > _KEYS_TTL or (refresh and age > 5):
            keys = {k["kid"]: (k["alg"], public_key_from_jwk(k))
                    for k in ring.jwks(PROVIDER)["keys"]}
            _published[id(ring)] = (time.monotonic(), keys)
        return keys


def provider_key(kid: object, alg: str):
    """The provider's public ``alg`` key named ``kid``; raises InvalidTokenError otherwise.

    Only the provider's own keys verify our tokens: a department's key must never
    vouch for one. A kid is trusted only for the algorithm its key was made for
    (RFC 8725 section 3.1), so a header cannot pair an ES256 signature with the
    RSA key.
    """
    if not isinstance(kid, str):
        raise InvalidTokenError("unknown signing key")
    found = _published_keys().get(kid) or _published_keys(refresh=True).get(kid)
    if found is None:
        raise InvalidTokenError("unknown or withdrawn signing key")
    key_alg, key = found
    if key_alg != alg:
        raise InvalidTokenError("the signing key is not for this algorithm")
    return key


#: Far above any token we issue; refuses to parse megabytes of hostile base64.
MAX_TOKEN_LENGTH = 8192
ACCESS_TOKEN_TYPS = ("at+jwt", "application/at+jwt")
#: What hostile input makes pyjwt (and the json module under it) raise besides
#: its own PyJWTError: wrong claim types, bad UTF-8, deep nesting.
_DECODE_ERRORS = (jwt.PyJWTError, ValueError, TypeError, KeyError, RecursionError)


def _access_header(token: object) -> dict:
    """The unverified header of what claims to be one of our access tokens;
    raises InvalidTokenError."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidTokenError("malformed token")
    try:
        header = jwt.get_unverified_header(token)
    except _DECODE_ERRORS:
        raise InvalidTokenError("malformed token") from None
    # RFC 9068 section 4: resource servers MUST verify typ is at+jwt.
    if header.get("typ") not in ACCESS_TOKEN_TYPS or header.get("alg") != ACCESS_TOKEN_ALG:
        raise InvalidTokenError("not an access token")
    return header


def access_token_claims(token: object, *, verify_time: bool = True) -> dict:
    """Claims of an access token the provider signed; raises InvalidTokenError.

    ``verify_time=False`` (revocation only) still checks signature, ``typ``,
    ``alg`` and ``iss``, but accepts an expired token or another audience.
    The denylist is not consulted here.
    """
    header = _access_header(token)
    key = provider_key(header.get("kid"), ACCESS_TOKEN_ALG)
    options = {"require": ["exp", "iat", "jti", "sub", "client_id"]}
    if not verify_time:
        options.update(verify_exp=False, verify_nbf=False, verify_iat=False, verify_aud=False)
    try:
        claims = jwt.decode(token, key, algorithms=[ACCESS_TOKEN_ALG],
                            audience=api_audience() if verify_time else None,
                            issuer=storage.issuer(), options=options)
    except _DECODE_ERRORS as exc:
        raise InvalidTokenError(f"token rejected ({type(exc).__name__})") from None
    for name in ("sub", "client_id", "jti"):
        if not isinstance(claims.get(name), str) or not claims[name]:
            raise InvalidTokenError(f"{name} must be a non-empty string")
    if not isinstance(claims["exp"], int | float) or isinstance(claims["exp"], bool):
        raise InvalidTokenError("exp must be a number of seconds")
    return claims


def verify_access_token(token: object) -> dict:
    """Claims of a valid, unrevoked access token; raises InvalidTokenError."""
    claims = access_token_claims(token)
    if is_revoked(claims["jti"]):
        raise InvalidTokenError("token revoked")
    return claims


# --- denylist ------------------------------------------------------------------


def _redis_key(jti: str) -> str:
    return f"onegate:revoked-jti:{jti}"


def revoke_access_jti(session: Session, jti: str, expires_at: datetime | None) -> None:
    """Deny the access token ``jti`` until it would have expired anyway."""
    expires_at = expires_at or utcnow() + timedelta(
        seconds=storage.settings()["ACCESS_TOKEN_TTL"])
    if expires_at <= utcnow() or session.get(RevokedAccessToken, jti) is not None:
        return
    session.add(RevokedAccessToken(jti=jti, expires_at=expires_at))
    redis = storage.redis_client()
    if redis is not None:
        ttl = max(int((expires_at - utcnow()).total_seconds()), 1)
        try:
            redis.set(_redis_key(jti), 1, ex=ttl)
        except RedisError:
            pass  # the row above is the denylist; Redis only answers "revoked" faster


def is_revoked(jti: str) -> bool:
    """Whether the access token ``jti`` was revoked; raises SQLAlchemyError when the
    database cannot be asked (Redis being down is not an error: it is only a cache)."""
    redis = storage.redis_client()
    try:
        if redis is not None and redis.exists(_redis_key(jti)):
            return True
    except RedisError:
        pass  # fall through to the database, which holds every revocation
    with storage.transaction() as session:
        return session.scalar(select(RevokedAccessToken.jti)
                              .where(RevokedAccessToken.jti == jti)) is not None


def from_epoch(value: int) -> datetime:
    return datetime.fromtimestamp(int(value), UTC)
