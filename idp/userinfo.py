"""The UserInfo endpoint (OIDC Core 5.3), GET and POST, bearer-protected."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, jsonify, request

from edge.access_tokens import AccessTokenError, InsufficientScope
from edge.bearer import MalformedBearer, NoBearerToken, bearer_token
from idp.consent import has_consent
from idp.errors import (
    InsufficientScopeError,
    InvalidTokenError,
    MalformedBearerError,
    MissingTokenError,
    OAuth2Error,
)

if TYPE_CHECKING:
    from idp.services import IdpServices


def request_token() -> str:
    """RFC 6750 section 2.1 header, or 2.2 form body on a form-encoded POST.

    Raises MissingTokenError when there is none: RFC 6750 section 3.1 "If the request
    lacks any authentication information (e.g., the client was unaware that
    authentication is necessary or attempted using an unsupported authentication
    method), the resource server SHOULD NOT include an error code or other error
    information" -- a bare ``WWW-Authenticate: Bearer`` challenge; so is an
    Authorization header of another scheme, or an empty Bearer one (the form token, if
    any, then counts). A Bearer token outside the b64token syntax is InvalidTokenError,
    as a bad token is later; a token sent in both places is MalformedBearerError (400
    invalid_request: section 2, "MUST NOT use more than one method").
    """
    form = None
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        form = request.form
    try:
        return bearer_token(request.headers, form)
    except NoBearerToken:
        raise MissingTokenError() from None
    except MalformedBearer as exc:
        scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return _form_token(form)
        if form and form.get("access_token"):
            raise MalformedBearerError(str(exc)) from None
        raise InvalidTokenError("The access token is malformed.") from None


def _form_token(form) -> str:
    """The section 2.2 form token when the header carries no Bearer credential."""
    try:
        return bearer_token({}, form)
    except NoBearerToken:
        raise MissingTokenError() from None
    except MalformedBearer:
        raise InvalidTokenError("The access token is malformed.") from None


def validated_claims(services: IdpServices, token: str) -> dict:
    """Claims of a valid, unrevoked access token; raises InvalidTokenError."""
    try:
        return services.access_tokens.validate(token).claims
    except InsufficientScope as exc:
        raise InsufficientScopeError(str(exc)) from None
    except AccessTokenError as exc:
        raise InvalidTokenError(str(exc)) from None


def _claims_for(services: IdpServices, token_claims: dict) -> dict:
    from idp import accounts

    scopes = set((token_claims.get("scope") or "").split())
    # OIDC Core 5.3.1: the access token must have been issued for an OpenID request.
    if "openid" not in scopes:
        raise InsufficientScopeError("the token was not issued with the openid scope")
    if token_claims["sub"] == token_claims["client_id"]:
        raise InvalidTokenError("no end-user behind this token")
    session = services.session()
    # Consent is the person's: the actor when acting for an enterprise.
    act = token_claims.get("act") if isinstance(token_claims.get("act"), dict) else None
    person_sub = act["sub"] if act else token_claims["sub"]
    if "identity" in scopes and not has_consent(session, person_sub,
                                                token_claims["client_id"], "identity"):
        scopes.discard("identity")
    account = accounts.get_by_sub(session, token_claims["sub"])
    if account is None or account.locked:
        raise InvalidTokenError("the account can no longer be used")
    claims = dict(accounts.claims_for(account, scopes))
    if act:
        # The same party and actor as the ID token (idp.tokens.party_claims).
        claims.update(cn_uscc=token_claims.get("cn_uscc"), act=act)
    # OIDC Core 5.3.2: the sub claim MUST always be returned.
    claims["sub"] = token_claims["sub"]
    return claims


def register(api: Blueprint, services: IdpServices) -> None:
    """Add the UserInfo endpoint to the OAuth API blueprint."""

    @api.route("/oauth/userinfo", methods=["GET", "POST"])
    def userinfo():
        try:
            claims = _claims_for(services, validated_claims(services, request_token()))
        except OAuth2Error as error:
            status, body, headers = error()
            response = jsonify(body)
            response.status_code = status
            response.headers.update(dict(headers))
            return response
        response = jsonify(claims)
        response.headers["Cache-Control"] = "no-store"
        return response
