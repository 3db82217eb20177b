"""Who is calling: bearer access tokens (RFC 6750) validated locally, then what they may do.

Departments' systems hold ``licenses:issue:<type code>`` scopes and act for the
department their ``client_id`` is registered to; holders use the wallet's token
(scope ``wallet``) whose ``cn_id_number`` / ``cn_uscc`` claim says who they are.
"""

from __future__ import annotations

from flask import g, request
from sqlalchemy.orm import Session

from credentials import catalogue
from credentials.errors import (
    FieldError,
    Forbidden,
    IdentityScopeRequired,
    InsufficientScope,
    InvalidToken,
    MissingToken,
)
from credentials.models import Licence
from edge import access_tokens
from edge.access_tokens import AccessToken, AccessTokenValidator
from edge.bearer import MalformedBearer, NoBearerToken, bearer_token

ISSUE_SCOPE_PREFIX = "licenses:issue:"
WALLET_SCOPE = "wallet"


def issue_scope(type_code: str) -> str:
    return ISSUE_SCOPE_PREFIX + type_code


def bearer(validator: AccessTokenValidator) -> AccessToken:
    """The request's validated access token (once per request).

    Raises MissingToken (none, or not the Bearer scheme) or InvalidToken.
    """
    if "credentials_token" in g:
        return g.credentials_token
    try:
        value = bearer_token(request.headers)
    except NoBearerToken as exc:
        raise MissingToken("send an access token: Authorization: Bearer <token>") from exc
    except MalformedBearer as exc:
        if not _bearer_scheme(request.headers.get("Authorization", "")):
            raise MissingToken("send an access token: Authorization: Bearer <token>") from exc
        raise InvalidToken(str(exc)) from exc
    try:
        token = validator.validate(value)
    except access_tokens.AccessTokenError as exc:
        raise InvalidToken(str(exc)) from exc
    g.credentials_token = token
    return token


def _bearer_scheme(header: str) -> bool:
    scheme, _, value = header.partition(" ")
    return scheme.lower() == "bearer" and bool(value.strip())


def require_scope(token: AccessToken, scope: str) -> None:
    if not token.has_scope(scope):
        raise InsufficientScope(f"this needs scope {scope}",
                                headers={"X-Required-Scope": scope})


def department_of(session: Session, token: AccessToken) -> str:
    """The department the calling client acts for. Raises Forbidden."""
    code = catalogue.department_of_client(session, token.client_id)
    if code is None:
        raise Forbidden("this client is not registered to any department",
                        [FieldError("client_id", "no_department")])
    return code


def may_manage(session: Session, token: AccessToken, licence: Licence) -> None:
    """Lifecycle and reads by a department: its type's scope and the issuing department."""
    require_scope(token, issue_scope(licence.type_code))
    if department_of(session, token) != licence.department_code:
        raise Forbidden("another department issued this licence",
                        [FieldError("id", "other_department")])


def holder_of(token: AccessToken) -> tuple[str, str]:
    """(code type, number) of the wallet's holder. Raises InsufficientScope or
    IdentityScopeRequired."""
    require_scope(token, WALLET_SCOPE)
    number = token.claims.get("cn_id_number")
    if isinstance(number, str) and number:
        return "111", number.upper()
    uscc = token.claims.get("cn_uscc")
    if isinstance(uscc, str) and uscc:
        return "001", uscc.upper()
    raise IdentityScopeRequired(
        "the access token carries no cn_id_number or cn_uscc: sign in again granting the "
        "identity scope", [FieldError("scope", "identity_required")])


def is_holder(token: AccessToken, licence: Licence) -> bool:
    if not token.has_scope(WALLET_SCOPE):
        return False
    try:
        return holder_of(token) == (licence.holder_code_type, licence.holder_number)
    except (InsufficientScope, IdentityScopeRequired):
        return False


def may_read(session: Session, token: AccessToken, licence: Licence) -> None:
    """The issuing department or the holder (through the wallet) may read a licence."""
    if is_holder(token, licence):
        return
    may_manage(session, token, licence)
