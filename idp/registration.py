"""Registering a client: what an operator supplies (``NewClient``), the checks every
registration and every edit passes (``check``: name, URIs, grants, scopes), the
insert, and the operator's view of a row (``client_row``). The CLI (idp.clients_cli)
and the console call these; edits reuse ``check`` (idp.client_changes)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from idp import clients as registry
from idp import halls
from idp.errors import UnknownHall
from idp.models.clients import OAuthClient
from idp.scope_descriptions import ISSUE_PREFIX, READ_PREFIX, SCOPES, SYSTEM_SCOPES
from idp.uris import redirect_uri_problem, web_uri_problem

SCOPE_DEFAULT = ("openid", "profile")
MAX_NAME = 200
#: The grant each licence scope family serves: issuing is a department system's own
#: act (client credentials); reading a holder's licences needs the holder's consent.
LICENCE_SCOPE_GRANTS = {READ_PREFIX: "authorization_code", ISSUE_PREFIX: "client_credentials"}
_TYPE_CODE = re.compile(r"[0-9A-Z]{18}[0-9]{3}\Z")  # GB/T 36904 licence type code


class UnknownClient(ValueError):
    """No client has this client_id."""


def find_row(session, client_id: str, *, for_update: bool = False) -> OAuthClient:
    """The client's row (locked for the transaction with ``for_update`` on PostgreSQL);
    raises UnknownClient."""
    query = select(OAuthClient).where(OAuthClient.client_id == client_id)
    row = session.scalar(query.with_for_update() if for_update else query)
    if row is None:
        raise UnknownClient(f"no client {client_id}")
    return row


class UnsupportedScope(ValueError):
    """A scope the provider does not offer, or one the client could never use."""


@dataclass
class NewClient:
    """What an operator supplies for a new client (see ``clients add --help``)."""

    name: str
    redirect_uris: list[str] = field(default_factory=list)
    post_logout_redirect_uris: list[str] = field(default_factory=list)
    backchannel_logout_uri: str | None = None
    grant_types: list[str] = field(default_factory=lambda: ["authorization_code",
                                                            "refresh_token"])
    scopes: list[str] = field(default_factory=lambda: list(SCOPE_DEFAULT))
    auth_method: str = "client_secret_basic"
    trusted: bool = False
    id_token_alg: str = "RS256"  # noqa: S105
    jwks_uri: str | None = None
    jwks: dict | None = None
    client_id: str | None = None
    #: The hall (idp.halls) the client belongs to; its hall administrators manage it.
    hall_code: str | None = None


def create(session, new: NewClient, client_secrets: registry.ClientSecrets
           ) -> tuple[OAuthClient, str | None]:
    """Insert a client; return it and its secret (shown once; None for public or
    private_key_jwt clients), hashed under ``client_secrets``. Raises ValueError on
    inconsistent settings."""
    check(new)
    hall = checked_hall(session, new.hall_code)
    secret = registry.new_secret() if new.auth_method in (
        "client_secret_basic", "client_secret_post") else None
    row = OAuthClient(
        client_id=new.client_id or "c_" + secrets.token_urlsafe(12), name=new.name,
        secret_hash=client_secrets.hash(secret) if secret else None,
        redirect_uris=list(new.redirect_uris),
        post_logout_redirect_uris=list(new.post_logout_redirect_uris),
        backchannel_logout_uri=new.backchannel_logout_uri,
        grant_types=list(dict.fromkeys(new.grant_types)),
        response_types=["code"] if "authorization_code" in new.grant_types else [],
        scope=" ".join(dict.fromkeys(new.scopes)),
        token_endpoint_auth_method=new.auth_method, jwks=new.jwks, jwks_uri=new.jwks_uri,
        id_token_signed_response_alg=new.id_token_alg, trusted=new.trusted, disabled=False,
        hall_code=hall)
    session.add(row)
    session.flush()
    return row, secret


def checked_hall(session, code: str | None) -> str | None:
    """The registered hall's code (lower case), None for none; raises ValueError
    naming ``--hall`` for a hall that is not registered."""
    if code is None or not code.strip():
        return None
    try:
        return halls.get(session, code).code
    except UnknownHall:
        raise ValueError(f"--hall {_shown(code)} is not a registered hall "
                         "(onegate halls list)") from None


def _valid_scope_token(scope: str) -> bool:
    """RFC 6749 section 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )."""
    return bool(scope) and all(0x21 <= ord(c) <= 0x7E and c not in '"\\' for c in scope)


def _check_name(name) -> None:
    """The name people see on the consent page: 1 to 200 characters, one line."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("--name must not be empty")
    if len(name) > MAX_NAME:
        raise ValueError(f"--name is longer than {MAX_NAME} characters")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise ValueError("--name must not contain control characters or line breaks")


def _check_uris(new: NewClient) -> None:
    """See idp.uris for the rules (RFC 6749 section 3.1.2, RFC 8252 section 7.1,
    Back-Channel Logout 1.0 section 2.2)."""
    for option, uris, check in (("--redirect-uri", new.redirect_uris, redirect_uri_problem),
                                ("--post-logout-uri", new.post_logout_redirect_uris,
                                 redirect_uri_problem)):
        for uri in uris:
            if problem := check(uri):
                raise ValueError(f"{option} {_shown(uri)} {problem}")
    for option, uri in (("--backchannel-uri", new.backchannel_logout_uri),
                        ("--jwks-uri", new.jwks_uri)):
        if uri is not None and (problem := web_uri_problem(uri)):
            raise ValueError(f"{option} {_shown(uri)} {problem}")


def _shown(value) -> str:
    """A value quoted for an error line: printable and short."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check(new: NewClient) -> None:
    """Raise ValueError (one line naming the option and the value) for a
    registration that cannot work; scopes are checked by ``check_scopes``."""
    _check_name(new.name)
    _check_uris(new)
    if bad := [s for s in new.scopes if not _valid_scope_token(s)]:
        raise ValueError(f"invalid scope value(s): {', '.join(map(repr, bad))}")
    if unknown := set(new.grant_types) - set(registry.GRANT_TYPES):
        raise ValueError(f"unsupported grant type(s): {', '.join(sorted(unknown))}")
    if new.auth_method not in registry.AUTH_METHODS:
        raise ValueError(f"unsupported auth method {new.auth_method}")
    if new.id_token_alg not in registry.ID_TOKEN_ALGS:
        raise ValueError(f"unsupported ID token algorithm {new.id_token_alg}")
    if "authorization_code" in new.grant_types and not new.redirect_uris:
        raise ValueError("authorization_code needs at least one --redirect-uri")
    if new.auth_method == "none" and "client_credentials" in new.grant_types:
        raise ValueError("a public client cannot use client_credentials (RFC 6749 4.4)")
    if new.auth_method == "private_key_jwt" and not (new.jwks or new.jwks_uri):
        raise ValueError("private_key_jwt needs --jwks-uri (or registered jwks)")


def supported_scopes() -> str:
    """The scopes an operator may register, as one line."""
    return ", ".join([*SCOPES, *SYSTEM_SCOPES,
                      *(prefix + "<type code>" for prefix in LICENCE_SCOPE_GRANTS)])


def check_scopes(new: NewClient, type_name: Callable[[str, str], str | None] | None) -> None:
    """Refuse a scope the provider does not support (discovery's ``scopes_supported``
    plus the licence scopes of catalogue types, ``type_name`` being the catalogue
    lookup when the app has one), and a licence scope the client's grants cannot use.

    Raises UnsupportedScope naming the scope and listing what is supported.
    """
    for scope in new.scopes:
        if scope in SCOPES or not _valid_scope_token(scope):
            continue  # create() reports malformed scope tokens
        if scope in SYSTEM_SCOPES:
            if SYSTEM_SCOPES[scope] not in new.grant_types:
                raise UnsupportedScope(f"scope {scope} needs --grant {SYSTEM_SCOPES[scope]}")
            continue
        prefix = next((p for p in LICENCE_SCOPE_GRANTS if scope.startswith(p)), None)
        code = scope[len(prefix):] if prefix else ""
        if prefix is None or not _TYPE_CODE.match(code):
            problem = "is not supported"
        elif type_name is not None and type_name(code, "en") is None:
            problem = "names no licence type of the catalogue (onegate types list)"
        elif LICENCE_SCOPE_GRANTS[prefix] not in new.grant_types:
            problem = f"needs --grant {LICENCE_SCOPE_GRANTS[prefix]}"
        else:
            continue
        raise UnsupportedScope(f"scope {_shown(scope)} {problem}; supported: {supported_scopes()}")


def client_row(row: OAuthClient) -> dict:
    """The operator's view of a client (never the secret hash)."""
    return {"client_id": row.client_id, "name": row.name, "hall_code": row.hall_code,
            "redirect_uris": row.redirect_uris,
            "post_logout_redirect_uris": row.post_logout_redirect_uris,
            "backchannel_logout_uri": row.backchannel_logout_uri,
            "grant_types": row.grant_types, "response_types": row.response_types,
            "scope": row.scope, "token_endpoint_auth_method": row.token_endpoint_auth_method,
            "jwks_uri": row.jwks_uri, "has_jwks": bool(row.jwks),
            "id_token_signed_response_alg": row.id_token_signed_response_alg,
            "trusted": row.trusted, "disabled": row.disabled,
            "created_at": row.created_at.isoformat() if row.created_at else None,
            "updated_at": row.updated_at.isoformat() if row.updated_at else None,
            **overlap_state(row)}


def overlap_state(row: OAuthClient) -> dict:
    """Until when the secret a rotation replaced still works (None: no window open)."""
    expires = row.previous_secret_expires_at
    open_ = expires is not None and registry.secret_clock() < expires
    return {"previous_secret_valid_until": expires.isoformat() if open_ else None}


