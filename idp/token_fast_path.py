"""Successful client_credentials grants and introspections of our JWT access tokens,
decided without Flask or Authlib (admin.token_edge answers them before dispatch).

Each method takes the request's parsed form and returns the answer's JSON members,
or None: the request then goes on to Flask and Authlib unchanged, which answer it as
they always did. Only a request that would succeed there is answered here, by the
same rules, through the same objects:

- the client authenticates with ``client_secret_basic`` or ``client_secret_post``
  (idp.clients.basic_credentials, ClientSecrets.accepts with ``secret_clock``) as the
  method it registered, and its row is in the per-worker client cache
  (idp.client_cache: its freshness bound; a miss, which needs the database, is left
  to Flask, whose read fills the cache);
- a grant: ``grant_type=client_credentials`` with at most ``scope`` besides the
  credentials, a client allowed the grant and every scope asked; then counted against
  the token budget with the key idp.token_endpoint counts (``claimed_client``,
  ``budget_key``); a refusal is handed to the view in ``COUNTED`` so the request is
  counted once and refused as today; signed by AccessTokenGenerator (the claims
  and the answer Authlib's ``generate`` writes);
- an introspection: a token that ``AccessTokenValidator.unrevoked_claims`` accepts,
  not revoked (with Redis, only the complete copy in Redis answers here, else
  Flask asks the database; without Redis the denylist's own short read), whose client
  is cached and not disabled, asked by that client or one holding INTROSPECT_SCOPE
  (idp.introspection.may_introspect); the answer is idp.introspection's.

Anything else returns None: another or an extra parameter, a repeated or empty one,
``private_key_jwt``, any failed check, a revoked token or a refresh token (both
answered ``active: false`` or by the database there), or an error in any dependency.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from edge.access_tokens import AccessTokenError
from idp import clients
from idp.errors import BasicAuthError, ThrottleUnavailable, TooManyAttempts
from idp.introspection import access_token_answer, may_introspect
from idp.token_endpoint import COUNTED, budget_key, claimed_client
from idp.tokens import AccessTokenGenerator

if TYPE_CHECKING:
    from idp.models.clients import OAuthClient
    from idp.services import IdpServices

GRANT = "client_credentials"
_GRANT_FIELDS = frozenset({"grant_type", "scope", "client_id", "client_secret"})
_INTROSPECT_FIELDS = frozenset({"token", "token_type_hint", "client_id", "client_secret"})


class _NotCached(Exception):
    """The client cache needs the database: the request is Flask's."""


def _no_session() -> Any:
    raise _NotCached


class TokenFastPath:
    """The successful answers of the token and introspection endpoints (see module)."""

    def __init__(self, services: IdpServices) -> None:
        self.services = services
        self._tokens = AccessTokenGenerator(services)

    def grant(self, form: Mapping[str, str], authorization: str | None,
              remote_addr: str | None, environ: dict) -> dict | None:
        """The token answer of a client_credentials grant, or None (see the module).
        Sets ``environ[COUNTED]`` once the request was counted against the budget."""
        if form.keys() - _GRANT_FIELDS or form.get("grant_type") != GRANT:
            return None
        client = self._client(form, authorization)
        if client is None or not client.check_grant_type(GRANT):
            return None
        scope = form.get("scope")
        if client.get_allowed_scope(scope) is None:
            return None
        key = budget_key(claimed_client(authorization or "", form, remote_addr), remote_addr)
        try:
            self.services.token_budget.hit(key)
        except (TooManyAttempts, ThrottleUnavailable) as exc:
            environ[COUNTED] = exc
            return None
        environ[COUNTED] = None
        return self._tokens.generate(grant_type=GRANT, client=client, scope=scope,
                                     include_refresh_token=False)

    def introspect(self, form: Mapping[str, str], authorization: str | None) -> dict | None:
        """The introspection answer for an active access token of ours, or None."""
        token = form.get("token")
        if (form.keys() - _INTROSPECT_FIELDS or not token or token.count(".") != 2
                or form.get("token_type_hint") == "refresh_token"):
            return None
        client = self._client(form, authorization)
        if client is None:
            return None
        services = self.services
        try:
            claims = services.access_tokens.unrevoked_claims(token)
        except AccessTokenError:
            return None  # inactive, or perhaps a refresh token: Flask answers
        if services.redis is not None:
            revoked = services.denylist.in_redis(claims["jti"])
        else:
            revoked = services.denylist.is_revoked(claims["jti"])
        if revoked is not False:
            return None
        owner = self._row(claims["client_id"])
        if owner is None or owner.disabled:
            return None
        if not may_introspect(client.client_id, client.row.scope, claims["client_id"]):
            return None
        return access_token_answer(services.issuer, claims)

    def _client(self, form: Mapping[str, str], authorization: str | None) -> Any:
        """The authenticated client (idp.clients.Client), or None for anything but a
        cached, enabled client authenticating by the one secret method it registered."""
        if authorization is not None:
            if "client_id" in form or "client_secret" in form:
                return None
            try:
                credentials = clients.basic_credentials(authorization)
            except BasicAuthError:
                return None
            if credentials is None:
                return None
            (client_id, secret), method = credentials, "client_secret_basic"
        else:
            client_id, secret = form.get("client_id"), form.get("client_secret")
            if not client_id or not secret:
                return None
            method = "client_secret_post"
        row = self._row(client_id)
        if row is None or row.disabled or row.token_endpoint_auth_method != method:
            return None
        found = clients.Client(row, self.services.client_secrets)
        return found if found.check_client_secret(secret) else None

    def _row(self, client_id: str) -> OAuthClient | None:
        if len(client_id) > 64:
            return None
        try:
            return self.services.client_cache.get(_no_session, client_id)
        except _NotCached:
            return None
