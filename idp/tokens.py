"""The tokens the provider signs: JWT access tokens (RFC 9068), ID tokens (OIDC Core
2) and logout tokens (Back-Channel Logout 2.4). Validation of access tokens is
edge.access_tokens' (one validator); the denylist is idp.denylist's."""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from authlib.oidc.core.util import create_half_hash
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from idp.services import IdpServices

PROVIDER = "provider"
ACCESS_TOKEN_ALG = "ES256"  # noqa: S105
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_TTL = 120
_SIGNER_TTL = 2.0


def new_jti() -> str:
    return uuid.uuid4().hex


class ProviderSigner:
    """Signs with the provider's active key of an algorithm.

    The ring's signer() reads the store (to promote due keys); each Signer is kept
    for at most 2 s, so the token endpoint pays that read at most once per 2 s per
    algorithm, and a key rotated, promoted or revoked by another process (the CLI,
    the console, another server) signs or stops signing here within 2 s -- the bound
    the published JWKS and the department signers (credentials.issuer_cache) keep too.
    A change this process's ring writes (``KeyRing.generation``) drops it at once.
    """

    def __init__(self, keyring: Any, *, ttl: float = _SIGNER_TTL) -> None:
        self.keyring = keyring
        self.ttl = ttl
        self._signers: dict[str, tuple[float, int, Any]] = {}
        self._lock = threading.Lock()

    def sign(self, alg: str, claims: dict, headers: dict | None = None) -> str:
        """A compact JWS; raises keys.errors.KeysError when no ``alg`` key is active."""
        from keys import tokens as jws

        return jws.sign(self._signer(alg), claims, headers)

    def _fresh(self, cached: tuple[float, int, Any] | None) -> bool:
        return (cached is not None and cached[0] >= time.monotonic()
                and cached[1] == self._generation())

    def _generation(self) -> int:
        return getattr(self.keyring, "generation", 0)

    def _signer(self, alg: str) -> Any:
        cached = self._signers.get(alg)
        if not self._fresh(cached):
            with self._lock:
                cached = self._signers.get(alg)
                if not self._fresh(cached):
                    generation = self._generation()
                    cached = (time.monotonic() + self.ttl, generation,
                              self.keyring.signer(PROVIDER, alg))
                    self._signers[alg] = cached
        return cached[2]


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
    #: The enterprise the person acts for (idp.representation.Party), or None.
    party: Any = None
    #: The 代办 mandate under which a clerk acts for this person
    #: (idp.models.mandates.Mandate; idp.grants.token_exchange), or None.
    mandate: Any = None

    def get_user_id(self):
        return self.sub


class AccessTokenGenerator(JWTBearerTokenGenerator):
    """RFC 9068 JWT access tokens signed through the key ring (parsed keys cached by
    kid), so issuing one costs a signature and no database write."""

    def __init__(self, services: IdpServices):
        self.services = services
        super().__init__(issuer=None, alg=ACCESS_TOKEN_ALG,
                         refresh_token_generator=self._refresh_token,
                         expires_generator=self._expires_in)

    @staticmethod
    def _refresh_token(**_kw) -> str:
        return secrets.token_urlsafe(32)

    def _expires_in(self, client, grant_type) -> int:
        from idp.grants.token_exchange import MANDATE_TOKEN_TTL, TokenExchangeGrant

        ttl = self.services.settings.access_token_ttl
        if grant_type == TokenExchangeGrant.GRANT_TYPE:
            return min(ttl, MANDATE_TOKEN_TTL)
        return ttl

    def access_token_generator(self, client, grant_type, user, scope):
        now = int(time.time())
        # RFC 9068 section 2.2: iss, exp, aud, sub, client_id, iat and jti are REQUIRED.
        claims = {
            "iss": self.services.issuer,
            "exp": now + self._expires_in(client, grant_type),
            "aud": [self.services.settings.api_audience],
            # Section 2.2: for grants without a resource owner (client
            # credentials) sub SHOULD identify the client.
            "sub": party_sub(user) if user else client.get_client_id(),
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
            if user.party is not None:
                claims.update(party_claims(user))
            else:
                claims.update(identity_claims(self.services.session(), user.sub, scope))
            if user.mandate is not None:
                claims.update(mandate_claims(user.mandate))
                claims["exp"] = min(claims["exp"], int(user.mandate.expires_at.timestamp()))
        # Section 2.1: JWT access tokens MUST include "at+jwt" in the typ header.
        return self.services.signer.sign(ACCESS_TOKEN_ALG, claims, headers={"typ": "at+jwt"})


def party_sub(user: EndUser) -> str:
    """The token's subject: the enterprise acted for, else the person."""
    return user.party.sub if user.party is not None else user.sub


def party_claims(user: EndUser) -> dict:
    """Acting for an enterprise: its credit code (a public registration number, not
    personal information, so released without the identity scope; the licence APIs
    find its licences by it) and the person as actor, RFC 8693 section 4.1: "The act
    (actor) claim provides a means within a JWT to express that delegation has
    occurred and identify the acting party to whom authority has been delegated."
    The person's own ID number is never released under the enterprise's subject."""
    return {"cn_uscc": user.party.uscc, "act": user.party.act(user.sub)}


def mandate_claims(mandate) -> dict:
    """A clerk acting for the citizen (代办): RFC 8693 section 4.1 ``act`` names the
    clerk as verified (their staff account, name and station), ``cn_mandate`` the
    mandate: its id, how it was given (``phone`` or the weaker ``id_document``) and
    the matter. Resource servers record uses with these, never with a typed name."""
    from idp import mandates

    return {"act": mandates.actor(mandate), "cn_mandate": mandates.claim(mandate)}


def identity_claims(session: Session, sub: str, scope: str | None) -> dict:
    """The ID number or credit code for resource servers (RFC 9068 section 2.2.2
    allows identity claims), only when the person consented to the ``identity``
    scope: the licence APIs find the holder's licences by it."""
    if "identity" not in (scope or "").split():
        return {}
    from idp import accounts

    account = accounts.get_by_sub(session, sub)
    found = accounts.claims_for(account, {"identity"}) if account else {}
    return {k: v for k, v in found.items() if k in ("cn_id_number", "cn_uscc")}


def id_token(services: IdpServices, client, user: EndUser, *, nonce: str | None,
             access_token: str | None) -> str:
    """An ID token (OIDC Core 2) signed with the client's registered algorithm."""
    alg = client.row.id_token_signed_response_alg or "RS256"
    now = int(time.time())
    claims = {
        "iss": services.issuer,
        "sub": party_sub(user),
        "aud": client.get_client_id(),
        "exp": now + services.settings.id_token_ttl,
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
    if user.party is not None:
        claims.update(party_claims(user))
    if user.sid:
        # Back-Channel Logout 2.1: with session_supported the OP includes sid.
        claims["sid"] = user.sid
    if access_token:
        # OIDC Core 3.1.3.6: at_hash is the left half of the hash of the access token.
        claims["at_hash"] = create_half_hash(access_token, alg).decode("ascii")
    return services.signer.sign(alg, claims)


def logout_token(services: IdpServices, client, *, sub: str | None, sid: str | None) -> str:
    """Back-Channel Logout 1.0 section 2.4 logout token (``typ: logout+jwt``)."""
    now = int(time.time())
    claims = {
        "iss": services.issuer,
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
    return services.signer.sign(alg, claims, headers={"typ": "logout+jwt"})


def from_epoch(value: int) -> datetime:
    return datetime.fromtimestamp(int(value), UTC)
