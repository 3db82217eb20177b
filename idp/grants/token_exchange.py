"""Token exchange (RFC 8693) for 代办: a station system trades the citizen's mandate
(``subject_token``) and its clerk's access token (``actor_token``) for a short-lived
access token whose subject is the citizen and whose ``act`` is the clerk.

Authlib implements no RFC 8693 grant (its ``rfc8693`` package is empty), so this is
an Authlib custom grant. The request (RFC 8693 section 2.1):

- ``grant_type`` ``urn:ietf:params:oauth:grant-type:token-exchange`` (REQUIRED);
- ``subject_token`` the ``mandate_reference`` from ``POST /oauth/mandates`` with
  ``subject_token_type`` ``urn:onegate:params:oauth:token-type:mandate`` (REQUIRED);
- ``actor_token`` the clerk's loa-2 access token, ``actor_token_type``
  ``urn:ietf:params:oauth:token-type:access_token`` (REQUIRED here);
- ``scope`` (OPTIONAL): at most the scopes the citizen agreed to, else invalid_scope;
- ``requested_token_type`` (OPTIONAL): only an access token is issued;
- ``audience`` / ``resource`` (OPTIONAL): only the one audience every access token
  has (``api_audience``), else invalid_target (section 2.2.2).

The answer (section 2.2.1) carries ``issued_token_type``
``urn:ietf:params:oauth:token-type:access_token``, ``token_type`` ``Bearer`` and no
refresh token; the access token lives MANDATE_TOKEN_TTL at most, never past the
mandate's end, and is remembered so that ending the mandate denies it.
"""

from __future__ import annotations

from datetime import timedelta

from authlib.oauth2.rfc6749 import grants

from edge.timestamps import utcnow
from idp import clerks, clients, mandates, tokens
from idp.errors import (
    InvalidRequestError,
    InvalidScopeError,
    InvalidTargetError,
    UnauthorizedClientError,
)

SUBJECT_TOKEN_TYPE = "urn:onegate:params:oauth:token-type:mandate"  # noqa: S105
ISSUED_TOKEN_TYPE = clerks.ACCESS_TOKEN_TYPE
#: Tokens of a 代办 live at most 15 minutes: the station asks again while the
#: mandate lasts, so an ended mandate stops it within one short token's life even
#: for a resource server outside that cannot see the denylist.
MANDATE_TOKEN_TTL = 900


class TokenExchangeGrant(grants.BaseGrant, grants.TokenEndpointMixin):
    """RFC 8693 section 2: confidential station systems only (the mandate reference
    alone must not be enough)."""

    GRANT_TYPE = clients.TOKEN_EXCHANGE
    TOKEN_ENDPOINT_AUTH_METHODS = list(clients.CONFIDENTIAL_METHODS)

    def validate_token_request(self):
        """Raises invalid_client, unauthorized_client, invalid_request (section 2.2.2:
        the subject or actor token invalid or unacceptable), authorization_pending,
        access_denied, invalid_scope or invalid_target."""
        data = self.request.payload.data
        client = self.authenticate_token_endpoint_client()
        if not client.check_grant_type(self.GRANT_TYPE):
            raise UnauthorizedClientError("This client may not use token exchange.")
        services = self.server.services
        _check_types(data, services.settings.api_audience)
        session = services.session()
        clerk = clerks.verified(session, services.access_tokens, data.get("actor_token"),
                                token_type=data.get("actor_token_type"),
                                client_id=client.get_client_id(),
                                hall_code=client.row.hall_code)
        row = mandates.find_by_reference(session, services.token_hash_key,
                                         data.get("subject_token"))
        row = mandates.for_exchange(row, client_id=client.get_client_id(),
                                    clerk_sub=clerk.sub)
        self.request.client = client
        self.request.user = _citizen(session, row)
        self.agreed_scope = _scope(row, self.request.payload.scope)

    def create_token_response(self):
        user = self.request.user
        token = self.generate_token(user=user, scope=self.agreed_scope,
                                    include_refresh_token=False)
        token["issued_token_type"] = ISSUED_TOKEN_TYPE
        token.pop("refresh_token", None)
        # Never past the mandate's end (idp.tokens caps the token's exp the same way).
        left = int((user.mandate.expires_at - utcnow()).total_seconds())
        token["expires_in"] = max(1, min(int(token.get("expires_in") or 0), left))
        expires_at = utcnow() + timedelta(seconds=token["expires_in"])
        mandates.record_token(self.server.services.session(), user.mandate, user.access_jti,
                              expires_at)
        return 200, token, self.TOKEN_RESPONSE_HEADER


def _check_types(data, audience: str) -> None:
    if not data.get("subject_token"):
        raise InvalidRequestError("The subject_token (the mandate_reference) is missing.")
    if data.get("subject_token_type") != SUBJECT_TOKEN_TYPE:
        raise InvalidRequestError(f"The subject_token_type must be {SUBJECT_TOKEN_TYPE}.")
    wanted = data.get("requested_token_type")
    if wanted and wanted != ISSUED_TOKEN_TYPE:
        raise InvalidRequestError(f"Only {ISSUED_TOKEN_TYPE} can be issued.")
    for name in ("resource", "audience"):
        if data.get(name) and data.get(name) != audience:
            # Section 2.2.2: "unwilling or unable to issue a token for any target
            # service indicated by the resource or audience parameters".
            raise InvalidTargetError(f"Tokens are issued for {audience} only.")


def _scope(row, wanted: str | None) -> str:
    """The scopes of this token: those asked for, all within what the citizen agreed
    to (RFC 6749 section 3.3; asking for more is invalid_scope), or all agreed."""
    agreed = row.scope.split()
    if not wanted:
        return " ".join(agreed)
    asked = list(dict.fromkeys(wanted.split()))
    if not set(asked) <= set(agreed):
        raise InvalidScopeError("The scope asked for exceeds what the citizen agreed to.")
    return " ".join(asked)


def _citizen(session, row) -> tokens.EndUser:
    """The citizen as the token's subject; invalid_request when the account can no
    longer be used."""
    from idp import accounts

    account = accounts.get_by_sub(session, row.citizen_sub)
    if account is None or account.locked:
        raise InvalidRequestError("The citizen's account can no longer be used.")
    return tokens.EndUser(sub=row.citizen_sub, sid=None,
                          auth_time=int(row.approved_at.timestamp()), acr=row.acr,
                          amr=list(row.amr or []), mandate=row)
