"""``onegate clients add|list|show|disable``: operators register halls and
departments' systems. ``clients_group(services)`` builds the click group; admin adds
it to ``onegate``. Each command is one unit of work (``IdpServices.work``)."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click
from sqlalchemy import select

from audit import operators
from idp import clients as registry
from idp.models.clients import OAuthClient
from idp.scope_descriptions import ISSUE_PREFIX, READ_PREFIX, SCOPES, SYSTEM_SCOPES
from idp.uris import redirect_uri_problem, web_uri_problem

if TYPE_CHECKING:
    from idp.services import IdpServices

SCOPE_DEFAULT = ("openid", "profile")
#: ``--grant device_code`` is short for RFC 8628's grant type URN.
GRANT_ALIASES = {"device_code": registry.DEVICE_CODE}
MAX_NAME = 200
#: The grant each licence scope family serves: issuing is a department system's own
#: act (client credentials); reading a holder's licences needs the holder's consent.
LICENCE_SCOPE_GRANTS = {READ_PREFIX: "authorization_code", ISSUE_PREFIX: "client_credentials"}
_TYPE_CODE = re.compile(r"[0-9A-Z]{18}[0-9]{3}\Z")  # GB/T 36904 licence type code


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


def create(session, new: NewClient, client_secrets: registry.ClientSecrets
           ) -> tuple[OAuthClient, str | None]:
    """Insert a client; return it and its secret (shown once; None for public or
    private_key_jwt clients), hashed under ``client_secrets``. Raises ValueError on
    inconsistent settings."""
    _check(new)
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
        id_token_signed_response_alg=new.id_token_alg, trusted=new.trusted, disabled=False)
    session.add(row)
    session.flush()
    return row, secret


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


def _check(new: NewClient) -> None:
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
    return {"client_id": row.client_id, "name": row.name, "redirect_uris": row.redirect_uris,
            "post_logout_redirect_uris": row.post_logout_redirect_uris,
            "backchannel_logout_uri": row.backchannel_logout_uri,
            "grant_types": row.grant_types, "response_types": row.response_types,
            "scope": row.scope, "token_endpoint_auth_method": row.token_endpoint_auth_method,
            "jwks_uri": row.jwks_uri, "has_jwks": bool(row.jwks),
            "id_token_signed_response_alg": row.id_token_signed_response_alg,
            "trusted": row.trusted, "disabled": row.disabled,
            "created_at": row.created_at.isoformat() if row.created_at else None}


class UsageProblem(click.ClickException):
    """One line ("Error: ..."), exit 2 like any usage error, without the usage text."""

    exit_code = 2


def _echo(data, as_json: bool, text: str) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2) if as_json else text)


def _get(session, client_id: str) -> OAuthClient:
    row = session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))
    if row is None:
        raise click.ClickException(f"no client {client_id}")
    return row


def clients_group(services: IdpServices) -> click.Group:
    """The ``clients`` command group, its commands working on ``services``."""

    @click.group("clients")
    def clients() -> None:
        """Relying parties: service halls and departments' systems."""


    @clients.command("add")
    @click.option("--name", required=True, help="Shown on the consent page; 1-200 characters.")
    @click.option("--redirect-uri", "redirect_uris", multiple=True,
                  help="Absolute https (or intranet http) URI without #fragment, or a native "
                       "app's reverse-domain scheme such as cn.gov.gd.app:/callback.")
    @click.option("--post-logout-uri", "post_logout_uris", multiple=True,
                  help="Same rules as --redirect-uri.")
    @click.option("--backchannel-uri", default=None,
                  help="Absolute https (or http) URI without #fragment.")
    @click.option("--grant", "grants", multiple=True,
                  type=click.Choice([*registry.GRANT_TYPES, *GRANT_ALIASES]),
                  help="Default: authorization_code and refresh_token (with --terminal: "
                       "device_code and refresh_token). device_code is short for "
                       "urn:ietf:params:oauth:grant-type:device_code.")
    @click.option("--scope", "scopes", multiple=True,
                  help="Allowed scopes; default openid profile.")
    @click.option("--auth-method", type=click.Choice(registry.AUTH_METHODS), default=None,
                  help="Default client_secret_basic (none with --public).")
    @click.option("--trusted", is_flag=True, help="Skip the consent page (not for 'identity').")
    @click.option("--public", is_flag=True, help="A public client (no secret, PKCE only).")
    @click.option("--terminal", is_flag=True,
                  help="A self-service terminal logging people in by phone (RFC 8628 "
                       "device code grant); add --public for one that keeps no secret.")
    @click.option("--id-token-alg", type=click.Choice(registry.ID_TOKEN_ALGS), default="RS256")
    @click.option("--jwks-uri", default=None)
    @click.option("--json", "as_json", is_flag=True)
    def add(name, redirect_uris, post_logout_uris, backchannel_uri, grants, scopes, auth_method,
            trusted, public, terminal, id_token_alg, jwks_uri, as_json):
        """Register a client; prints its client_id and (once) its secret."""
        method = auth_method or ("none" if public else "client_secret_basic")
        if public and method != "none":
            raise click.BadParameter("--public means --auth-method none", param_hint="--public")
        new = NewClient(name=name.strip(), redirect_uris=list(redirect_uris),
                        post_logout_redirect_uris=list(post_logout_uris),
                        backchannel_logout_uri=backchannel_uri, auth_method=method,
                        trusted=trusted, id_token_alg=id_token_alg, jwks_uri=jwks_uri)
        if grants:
            new.grant_types = [GRANT_ALIASES.get(g, g) for g in grants]
        elif terminal:
            new.grant_types = [registry.DEVICE_CODE, "refresh_token"]
        if terminal and registry.DEVICE_CODE not in new.grant_types:
            raise click.BadParameter("a terminal needs --grant device_code",
                                     param_hint="--terminal")
        if scopes:
            new.scopes = [s for value in scopes for s in value.split()]
        try:
            check_scopes(new, services.licence_type_names)
            with services.work() as session:
                row, secret = create(session, new, services.client_secrets)
                operators.record(session, "client.add", row.client_id, {
                    "name": row.name, "scopes": new.scopes, "grant_types": new.grant_types,
                    "redirect_uris": new.redirect_uris, "trusted": new.trusted})
        except UnsupportedScope as exc:
            raise UsageProblem(str(exc)) from None
        except ValueError as exc:
            # One readable line ("Error: --redirect-uri 'x' is not an absolute URI ..."), exit 1.
            raise click.ClickException(str(exc)) from None
        data = {**client_row(row), "client_secret": secret}
        text = f"client_id: {row.client_id}"
        if secret:
            text += f"\nclient_secret: {secret}\n(shown once: store it now)"
        _echo(data, as_json, text)


    @clients.command("list")
    @click.option("--json", "as_json", is_flag=True)
    def list_clients(as_json: bool) -> None:
        """All clients, newest first."""
        with services.work() as session:
            rows = list(session.scalars(select(OAuthClient)
                                        .order_by(OAuthClient.created_at.desc())))
        data = [client_row(r) for r in rows]
        text = "\n".join(f"{r.client_id}  {r.name}  {r.token_endpoint_auth_method}"
                         f"{'  trusted' if r.trusted else ''}{'  DISABLED' if r.disabled else ''}"
                         for r in rows) or "no clients"
        _echo(data, as_json, text)


    @clients.command("show")
    @click.argument("client_id")
    @click.option("--json", "as_json", is_flag=True)
    def show(client_id: str, as_json: bool) -> None:
        """One client's registration."""
        with services.work() as session:
            data = client_row(_get(session, client_id))
        _echo(data, as_json, "\n".join(f"{k}: {v}" for k, v in data.items()))


    @clients.command("disable")
    @click.argument("client_id")
    @click.option("--json", "as_json", is_flag=True)
    def disable(client_id: str, as_json: bool) -> None:
        """Refuse the client everywhere (invalid_client; error page at authorize)."""
        with services.work() as session:
            row = _get(session, client_id)
            row.disabled = True
            operators.record(session, "client.disable", client_id)
            data = client_row(row)
        _echo(data, as_json, f"client {client_id} disabled")

    return clients
