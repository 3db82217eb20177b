"""The UserInfo endpoint (OIDC Core 5.3), GET and POST, bearer-protected."""

from __future__ import annotations

from flask import jsonify, request

from idp import storage, tokens
from idp.consent import has_consent
from idp.errors import InsufficientScopeError, InvalidTokenError, MissingTokenError, OAuth2Error
from idp.routes import api


def bearer_token() -> str:
    """RFC 6750 section 2.1 header, or 2.2 form body on POST.

    Raises MissingTokenError when there is none: RFC 6750 section 3.1 "If the request
    lacks any authentication information (e.g., the client was unaware that
    authentication is necessary or attempted using an unsupported authentication
    method), the resource server SHOULD NOT include an error code or other error
    information" -- a bare ``WWW-Authenticate: Bearer`` challenge. A token that is
    present but bad is InvalidTokenError (``error="invalid_token"``) later.
    """
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        value = header[7:].strip()
        if not value:
            raise InvalidTokenError("The access token is empty.")
        return value
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        value = request.form.get("access_token")
        if value:
            return value
    raise MissingTokenError()


def _claims_for(token_claims: dict) -> dict:
    from idp import accounts

    scopes = set((token_claims.get("scope") or "").split())
    # OIDC Core 5.3.1: the access token must have been issued for an OpenID request.
    if "openid" not in scopes:
        raise InsufficientScopeError("the token was not issued with the openid scope")
    if token_claims["sub"] == token_claims["client_id"]:
        raise InvalidTokenError("no end-user behind this token")
    if "identity" in scopes and not has_consent(token_claims["sub"], token_claims["client_id"],
                                                "identity"):
        scopes.discard("identity")
    with storage.transaction() as session:
        account = accounts.get_by_sub(session, token_claims["sub"])
        if account is None or account.locked:
            raise InvalidTokenError("the account can no longer be used")
        claims = dict(accounts.claims_for(account, scopes))
    # OIDC Core 5.3.2: the sub claim MUST always be returned.
    claims["sub"] = token_claims["sub"]
    return claims


@api.route("/oauth/userinfo", methods=["GET", "POST"])
def userinfo():
    try:
        claims = _claims_for(tokens.verify_access_token(bearer_token()))
    except OAuth2Error as error:
        status, body, headers = error()
        response = jsonify(body)
        response.status_code = status
        response.headers.update(dict(headers))
        return response
    response = jsonify(claims)
    response.headers["Cache-Control"] = "no-store"
    return response
