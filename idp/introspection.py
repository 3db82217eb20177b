"""Token introspection (RFC 7662) for our JWT access tokens and refresh tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from flask import Blueprint
from flask import request as flask_request

from edge.access_tokens import AccessTokenError
from edge.timestamps import utcnow
from idp import clients
from idp.errors import InvalidRequestError, OAuth2Error
from idp.grants.families import find_refresh_token
from idp.models.tokens import RefreshToken, TokenFamily
from idp.parameters import check_single

if TYPE_CHECKING:
    from idp.services import IdpServices

#: Scope an operator grants to resource servers allowed to introspect others' tokens.
INTROSPECT_SCOPE = "token:introspect"


@dataclass
class TokenRecord:
    """A token we issued, as far as revocation and introspection need to know."""

    kind: str
    client_id: str
    claims: dict | None = None
    family: TokenFamily | None = None
    row: RefreshToken | None = None
    active: bool = True

    def check_client(self, client):
        return client.get_client_id() == self.client_id

    def is_expired(self):
        return not self.active

    def is_revoked(self):
        return not self.active


def check_token_params(form) -> None:
    """The ``token`` parameter, once; the hint is only advisory.

    RFC 7662 section 2.1 and RFC 7009 section 2.1: token is REQUIRED; RFC 6749
    section 3.2: parameters "MUST NOT be included more than once" (invalid_request).
    An unknown token_type_hint is never an error here: RFC 7662 section 2.1 "If the
    server is unable to locate the token using the given hint, it MUST extend its
    search across all of its supported token types", and RFC 7009 section 2.1 "An
    authorization server MAY ignore this parameter" -- we ignore hints we do not know.
    """
    check_single(form)
    if "token" not in form:
        raise InvalidRequestError("The token parameter is missing.")


def lookup(services: IdpServices, value: str, hint: str | None, *,
           require_active: bool = True) -> TokenRecord | None:
    """The access or refresh token ``value`` (hint first, RFC 7009 section 2.1; an
    unknown hint just means the default order, access token first)."""
    order = ["refresh_token", "access_token"] if hint == "refresh_token" else \
        ["access_token", "refresh_token"]
    for kind in order:
        record = (_access(services, value, require_active) if kind == "access_token"
                  else _refresh(services, value))
        if record is not None:
            return record
    return None


def _access(services: IdpServices, value: str, require_active: bool) -> TokenRecord | None:
    if value.count(".") != 2:
        return None
    try:
        if require_active:
            claims = services.access_tokens.validate(value).claims
            return TokenRecord("access_token", claims["client_id"], claims=claims)
        # Revocation: signature-checked, but possibly expired or already revoked.
        claims = services.access_tokens.signed_claims(value)
    except AccessTokenError:
        return None
    return TokenRecord("access_token", claims["client_id"], claims=claims, active=False)


def _refresh(services: IdpServices, value: str) -> TokenRecord | None:
    if len(value) > 200:
        return None
    session = services.session()
    row = find_refresh_token(session, services.token_hash_key, value)
    family = session.get(TokenFamily, row.family_id) if row is not None else None
    if family is None:
        return None
    active = (family.revoked_at is None and family.expires_at > utcnow()
              and row.rotated_at is None)
    return TokenRecord("refresh_token", family.client_id, family=family, row=row, active=active)


def _client_disabled(services: IdpServices, client_id: str) -> bool:
    client = clients.find(services.session, services.client_secrets, client_id,
                          include_disabled=True, rows=services.client_cache)
    return client is None or client.row.disabled


def may_introspect(client_id: str, client_scope: str | None, token_client_id: str,
                   kind: str = "access_token") -> bool:
    """RFC 7662 section 4: the server decides which protected resources may introspect
    which tokens: the token's own client, or (access tokens only) an operator-approved
    one holding INTROSPECT_SCOPE. Also idp.token_fast_path's rule."""
    if client_id == token_client_id:
        return True
    return kind == "access_token" and INTROSPECT_SCOPE in (client_scope or "").split()


def access_token_answer(issuer: str, claims: dict) -> dict:
    """The RFC 7662 section 2.2 answer for an active access token with ``claims``
    (also idp.token_fast_path's, so both paths write the same members in one order)."""
    c = claims
    body = {"active": True, "token_type": "Bearer", "client_id": c["client_id"],
            "sub": c["sub"], "aud": c.get("aud"), "iss": issuer, "exp": c["exp"],
            "iat": c["iat"], "jti": c["jti"]}
    # RFC 8693 section 4.1: "act" in an introspection response says who acts.
    for name in ("scope", "auth_time", "acr", "act", "cn_uscc", "cn_mandate"):
        if name in c:
            body[name] = c[name]
    return body


class Introspection(IntrospectionEndpoint):
    # RFC 7662 section 2.1: the endpoint MUST require some form of authorization.
    CLIENT_AUTH_METHODS = list(clients.CONFIDENTIAL_METHODS)

    def check_params(self, request, client):
        check_token_params(request.form)

    def query_token(self, token_string, token_type_hint):
        services = self.server.services
        token = lookup(services, token_string, token_type_hint)
        if token is not None and token.active and _client_disabled(services, token.client_id):
            # idp.client_changes: a disabled client's tokens are no longer active,
            # including client_credentials tokens, which no denylist entry covers.
            token.active = False
        return token

    def check_permission(self, token, client, request):
        return may_introspect(client.get_client_id(), client.row.scope, token.client_id,
                              token.kind)

    def introspect_token(self, token):
        issuer = self.server.services.issuer
        if token.kind == "access_token":
            return access_token_answer(issuer, token.claims)
        family = token.family
        body = {"active": True, "token_type": "refresh_token", "client_id": family.client_id,
                "sub": family.party_sub or family.sub, "scope": family.scope, "iss": issuer,
                "exp": int(family.expires_at.timestamp()),
                "iat": int(token.row.created_at.timestamp())}
        if family.party_sub:
            body["act"] = {"sub": family.sub}
        return body


def register(api: Blueprint, server) -> None:
    """Add the introspection endpoint to the OAuth API blueprint."""

    @api.route("/oauth/introspect", methods=["POST"])
    def introspect():
        try:
            check_single(flask_request.values)
        except OAuth2Error as error:
            return server.handle_error_response(None, error)
        return server.create_endpoint_response(Introspection.ENDPOINT_NAME)
