"""``onegate clients edit|enable|disable|rotate-secret|trust|untrust|stats``: the
operators' changes to registered halls (idp.client_changes, idp.secret_rotation,
idp.sign_in_counts), each one unit of work with its audit entry, each with ``--json``.
Errors are one line: exit 1 for a refused change, 2 for bad usage."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING

import click

from audit import operators
from idp import client_changes, secret_rotation
from idp.registration import UnknownClient, UnsupportedScope, client_row, find_row
from idp.sign_in_counts import china_day, sign_in_counts

if TYPE_CHECKING:
    from idp.services import IdpServices

MAX_DAYS = 366


class UsageProblem(click.ClickException):
    """One line ("Error: ..."), exit 2 like any usage error, without the usage text."""

    exit_code = 2


def _echo(data, as_json: bool, text: str) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2) if as_json else text)


def _edit_from_options(name, redirect_uris, post_logout_uris, no_post_logout_uris,
                       backchannel_uri, no_backchannel_uri, scopes, hall=None,
                       no_hall=False) -> client_changes.ClientEdit:
    if post_logout_uris and no_post_logout_uris:
        raise UsageProblem("--post-logout-uri and --no-post-logout-uris exclude each other")
    if backchannel_uri is not None and no_backchannel_uri:
        raise UsageProblem("--backchannel-uri and --no-backchannel-uri exclude each other")
    if hall is not None and no_hall:
        raise UsageProblem("--hall and --no-hall exclude each other")
    change = client_changes.ClientEdit(
        name=name, redirect_uris=list(redirect_uris) or None,
        post_logout_redirect_uris=[] if no_post_logout_uris else list(post_logout_uris) or None,
        scopes=[s for value in scopes for s in value.split()] or None)
    if no_backchannel_uri:
        change.backchannel_logout_uri = None
    elif backchannel_uri is not None:
        change.backchannel_logout_uri = backchannel_uri
    if no_hall or hall is not None:
        change.hall_code = None if no_hall else hall
    if change.is_empty():
        raise UsageProblem("nothing to change: give at least one option (see --help)")
    return change


def add_hall_commands(clients: click.Group, services: IdpServices) -> None:
    """Add the commands that change registered clients to the ``clients`` group."""

    @clients.command("edit")
    @click.argument("client_id")
    @click.option("--name", default=None, help="Shown on the consent page; 1-200 characters.")
    @click.option("--redirect-uri", "redirect_uris", multiple=True,
                  help="Replaces every redirect URI; same rules as at `clients add`.")
    @click.option("--post-logout-uri", "post_logout_uris", multiple=True,
                  help="Replaces every post-logout redirect URI.")
    @click.option("--no-post-logout-uris", is_flag=True, help="Remove them all.")
    @click.option("--backchannel-uri", default=None, help="The back-channel logout URI.")
    @click.option("--no-backchannel-uri", is_flag=True, help="Remove the back-channel URI.")
    @click.option("--scope", "scopes", multiple=True, help="Replaces the allowed scopes.")
    @click.option("--hall", default=None, metavar="CODE",
                  help="Move the client to this hall (onegate halls list).")
    @click.option("--no-hall", is_flag=True, help="The client belongs to no hall.")
    @click.option("--json", "as_json", is_flag=True)
    def edit(client_id, name, redirect_uris, post_logout_uris, no_post_logout_uris,
             backchannel_uri, no_backchannel_uri, scopes, hall, no_hall, as_json):
        """Change a client's registration, checked as at registration (all or nothing)."""
        change = _edit_from_options(name, redirect_uris, post_logout_uris,
                                    no_post_logout_uris, backchannel_uri, no_backchannel_uri,
                                    scopes, hall, no_hall)
        try:
            with services.work() as session:
                row, changed = client_changes.edit(session, client_id, change,
                                                   services.licence_type_names)
                if changed:
                    operators.record(session, "client.edit", client_id, {"changed": changed})
                data = {**client_row(row), "changed": sorted(changed)}
        except UnsupportedScope as exc:
            raise UsageProblem(str(exc)) from None
        except ValueError as exc:  # UnknownClient and every refused value: one line, exit 1
            raise click.ClickException(str(exc)) from None
        _echo(data, as_json, f"client {client_id}: " + (
            "changed " + ", ".join(sorted(changed)) if changed else "nothing changed"))

    @clients.command("disable")
    @click.argument("client_id")
    @click.option("--json", "as_json", is_flag=True)
    def disable(client_id: str, as_json: bool) -> None:
        """Refuse the client everywhere (invalid_client; an error page at authorize) and
        revoke its refresh tokens with their access tokens (SECURITY.md)."""
        try:
            with services.work() as session:
                row, ended = client_changes.disable(session, services.denylist, client_id)
                operators.record(session, "client.disable", client_id, ended)
                data = {**client_row(row), **ended}
        except UnknownClient as exc:
            raise click.ClickException(str(exc)) from None
        _echo(data, as_json, f"client {client_id} disabled; revoked "
                             f"{ended['revoked_token_families']} token families, expired "
                             f"{ended['expired_codes']} unredeemed codes")

    @clients.command("enable")
    @click.argument("client_id")
    @click.option("--json", "as_json", is_flag=True)
    def enable(client_id: str, as_json: bool) -> None:
        """Accept a disabled client again (revoked tokens stay revoked)."""
        try:
            with services.work() as session:
                row = client_changes.enable(session, client_id)
                operators.record(session, "client.enable", client_id)
                data = client_row(row)
        except UnknownClient as exc:
            raise click.ClickException(str(exc)) from None
        _echo(data, as_json, f"client {client_id} enabled")

    def _trust(client_id: str, trusted: bool, as_json: bool) -> None:
        try:
            with services.work() as session:
                row, changed = client_changes.set_trusted(session, client_id, trusted)
                operators.record(session, "client.trust" if trusted else "client.untrust",
                                 client_id, {"changed": changed})
                data = client_row(row)
        except UnknownClient as exc:
            raise click.ClickException(str(exc)) from None
        _echo(data, as_json, f"client {client_id} " + ("trusted: its people are not asked to "
                                                       "consent (except to identity)"
                                                       if trusted else "no longer trusted"))

    @clients.command("trust")
    @click.argument("client_id")
    @click.option("--json", "as_json", is_flag=True)
    def trust(client_id: str, as_json: bool) -> None:
        """Skip the consent page for this client (never for the identity scope)."""
        _trust(client_id, True, as_json)

    @clients.command("untrust")
    @click.argument("client_id")
    @click.option("--json", "as_json", is_flag=True)
    def untrust(client_id: str, as_json: bool) -> None:
        """Ask people's consent again for scopes they have not granted."""
        _trust(client_id, False, as_json)

    @clients.command("rotate-secret")
    @click.argument("client_id")
    @click.option("--overlap", default="24h", show_default=True,
                  help="How long the replaced secret keeps working: 0 (at once, for a "
                       "leaked secret), 30m, 24h, 7d; at most 30d.")
    @click.option("--json", "as_json", is_flag=True)
    def rotate_secret(client_id: str, overlap: str, as_json: bool) -> None:
        """Issue a new client secret (shown once); the old one works until the overlap
        ends. A second rotation within the overlap retires the oldest secret at once."""
        try:
            window = secret_rotation.parse_overlap(overlap)
        except secret_rotation.RotationError as exc:
            raise UsageProblem(str(exc)) from None
        try:
            with services.work() as session:
                row, secret = secret_rotation.rotate(session, services.client_secrets,
                                                     client_id, window)
                operators.record(session, "client.rotate_secret", client_id,
                                 {"overlap_seconds": int(window.total_seconds())})
                data = {**client_row(row), "client_secret": secret}
        except ValueError as exc:  # UnknownClient, RotationError, ConcurrentRotation
            raise click.ClickException(str(exc)) from None
        until = data["previous_secret_valid_until"]
        _echo(data, as_json, f"client_secret: {secret}\n(shown once: store it now)\n" + (
            f"the previous secret works until {until}" if until
            else "the previous secret no longer works"))

    @clients.command("stats")
    @click.argument("client_id", required=False)
    @click.option("--days", type=click.IntRange(1, MAX_DAYS), default=30, show_default=True,
                  help="Today and the days before it (China time).")
    @click.option("--json", "as_json", is_flag=True)
    def stats(client_id: str | None, days: int, as_json: bool) -> None:
        """Successful sign-ins (authorization codes issued) per client and day."""
        since = china_day() - timedelta(days=days - 1)
        try:
            with services.work() as session:
                if client_id is not None:
                    find_row(session, client_id)
                rows = sign_in_counts(session, since,
                                      [client_id] if client_id is not None else None)
        except UnknownClient as exc:
            raise click.ClickException(str(exc)) from None
        data = [{"day": day.isoformat(), "client_id": cid, "sign_ins": count}
                for day, cid, count in rows]
        _echo(data, as_json, "\n".join(f"{r['day']}  {r['client_id']}  {r['sign_ins']}"
                                       for r in data) or f"no sign-ins since {since}")
