"""``onegate clients add|list|show``: operators register halls and departments'
systems (the commands that change them: idp.client_commands).
``clients_group(services)`` builds the click group; admin adds it to ``onegate``.
Each command is one unit of work (``IdpServices.work``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click
from sqlalchemy import select

from audit import operators
from idp import clients as registry
from idp.client_commands import UsageProblem, add_hall_commands
from idp.models.clients import OAuthClient
from idp.registration import (  # noqa: F401 - NewClient and create: the tests' entry
    NewClient,
    UnsupportedScope,
    check_scopes,
    client_row,
    create,
)

if TYPE_CHECKING:
    from idp.services import IdpServices

#: ``--grant device_code`` is short for RFC 8628's grant type URN.
GRANT_ALIASES = {"device_code": registry.DEVICE_CODE,
                 "token_exchange": registry.TOKEN_EXCHANGE}


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
                       "urn:ietf:params:oauth:grant-type:device_code, token_exchange "
                       "for urn:ietf:params:oauth:grant-type:token-exchange (a station "
                       "system's 代办, README).")
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
    @click.option("--hall", default=None, metavar="CODE",
                  help="The hall the client belongs to (onegate halls list).")
    @click.option("--json", "as_json", is_flag=True)
    def add(name, redirect_uris, post_logout_uris, backchannel_uri, grants, scopes, auth_method,
            trusted, public, terminal, id_token_alg, jwks_uri, hall, as_json):
        """Register a client; prints its client_id and (once) its secret."""
        method = auth_method or ("none" if public else "client_secret_basic")
        if public and method != "none":
            raise click.BadParameter("--public means --auth-method none", param_hint="--public")
        new = NewClient(name=name.strip(), redirect_uris=list(redirect_uris),
                        post_logout_redirect_uris=list(post_logout_uris),
                        backchannel_logout_uri=backchannel_uri, auth_method=method,
                        trusted=trusted, id_token_alg=id_token_alg, jwks_uri=jwks_uri,
                        hall_code=hall)
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
                    "redirect_uris": new.redirect_uris, "trusted": new.trusted,
                    "hall": row.hall_code})
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


    add_hall_commands(clients, services)
    return clients
