"""``onegate accounts reset-password|reset-totp|sessions|end-sessions``: a counter
clerk's account help from the shell (the console offers the same, idp.counter).

The clerk's identity is the root command's ``--operator`` (audited with the OS user);
``--hall`` is the code of a registered hall (``onegate halls list``), whose name the
person will read on their account page. A reset code and its link are printed once
and never stored in clear.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click
from sqlalchemy.orm import Session

from audit import operators
from idp import accounts, counter, halls
from idp.errors import AccountError
from idp.recovery_audit import Actor

if TYPE_CHECKING:
    from idp.services import IdpServices


def cli_actor(session: Session | None = None, hall_code: str | None = None) -> Actor:
    """The operator running the command, as the audit and the person see them, at the
    registered hall ``hall_code`` (its name is recorded); raises UnknownHall."""
    hall = halls.get(session, hall_code) if session is not None and hall_code else None
    extra = {"os_user": operators.os_user()}
    if hall is not None:
        extra["hall_code"] = hall.code
    return Actor(ref=operators.actor(), name=operators.operator_name(),
                 hall=hall.name if hall else None, extra=extra)


def _echo(data, as_json: bool, text: str) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2) if as_json else text)


def _issue(services: IdpServices, identifier: str, *, id_checked: bool, password: bool,
           totp: bool, hall: str | None) -> dict:
    """Raises click.UsageError without --id-checked, click.ClickException otherwise."""
    if not id_checked:
        raise click.UsageError("check the person's ID document first, then confirm it "
                               "with --id-checked")
    try:
        with services.work() as session:
            account = counter.find_person(session, identifier)
            issued = counter.issue_reset(session, services.second_factor_keys.reset,
                                         services.issuer, account, cli_actor(session, hall),
                                         id_checked=True, password=password, totp=totp)
            row = {"sub": account.sub, "username": account.username}
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    return {**row, "code": issued.code, "link": issued.link, "password": password,
            "totp": totp, "expires_at": issued.expires_at.isoformat()}


def _issued_text(row: dict) -> str:
    what = " and ".join(w for w, on in (("password", row["password"]),
                                         ("authenticator", row["totp"])) if on)
    return (f"one-time {what} reset for {row['username']} (shown once, valid until "
            f"{row['expires_at']}, any earlier code is void):\n"
            f"  link: {row['link']}\n  code: {row['code']}")


def _session_rows(services: IdpServices, reference: str) -> tuple[str, list[dict]]:
    try:
        with services.work() as session:
            account = accounts.get_by_reference(session, reference)
            listed = counter.sessions(session, services.sso, account)
            return account.sub, [_session_row(s) for s in listed]
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None


def _session_row(info: counter.SessionInfo) -> dict:
    return {"sid": info.sid, "acr": info.acr, "device": info.device, "halls": info.halls,
            "started_at": info.started_at.isoformat() if info.started_at else None,
            "last_seen_at": info.last_seen_at.isoformat() if info.last_seen_at else None}


def register(group: click.Group, services: IdpServices) -> None:
    """Add the counter's commands to the ``accounts`` group."""

    hall_option = click.option("--hall", default=None, metavar="CODE",
                               help="The registered hall you work at (onegate halls list); "
                                    "the person sees its name.")
    checked_option = click.option("--id-checked", is_flag=True,
                                  help="Confirm you checked the person's ID document "
                                       "(required; recorded).")

    @group.command("reset-password")
    @click.argument("identifier")
    @checked_option
    @click.option("--totp", "with_totp", is_flag=True,
                  help="Also let the person replace a lost authenticator.")
    @hall_option
    @click.option("--json", "as_json", is_flag=True)
    def reset_password(identifier, id_checked, with_totp, hall, as_json) -> None:
        """Issue a one-time password reset code and link for the person with citizen ID
        number or credit code IDENTIFIER: works once, for 15 minutes."""
        row = _issue(services, identifier, id_checked=id_checked, password=True,
                     totp=with_totp, hall=hall)
        _echo(row, as_json, _issued_text(row))

    @group.command("reset-totp")
    @click.argument("identifier")
    @checked_option
    @hall_option
    @click.option("--json", "as_json", is_flag=True)
    def reset_totp(identifier, id_checked, hall, as_json) -> None:
        """Issue a one-time code with which the person with IDENTIFIER removes a lost
        authenticator (and its recovery codes) and enrols a new one."""
        row = _issue(services, identifier, id_checked=id_checked, password=False,
                     totp=True, hall=hall)
        _echo(row, as_json, _issued_text(row))

    @group.command("sessions")
    @click.argument("account")
    @click.option("--json", "as_json", is_flag=True)
    def sessions(account, as_json) -> None:
        """List ACCOUNT's live sessions (ID number, credit code, sub, username or phone)."""
        _, rows = _session_rows(services, account)
        lines = [f"{r['sid']}  {r['acr']}  started {r['started_at']}  last seen "
                 f"{r['last_seen_at']}  halls: {', '.join(r['halls']) or '-'}  "
                 f"device: {r['device'] or '-'}" for r in rows]
        _echo(rows, as_json, "\n".join(lines) or "no live sessions")

    @group.command("end-sessions")
    @click.argument("account")
    @click.option("--session", "sid", default=None, help="End only this session (its sid).")
    @hall_option
    @click.option("--json", "as_json", is_flag=True)
    def end_sessions(account, sid, hall, as_json) -> None:
        """End ACCOUNT's live sessions (or one): the halls are told by back-channel
        logout and the sessions' refresh tokens are revoked. Audited."""
        try:
            with services.work() as session:
                found = accounts.get_by_reference(session, account)
                ended = counter.end_sessions(session, services.sso, found,
                                             cli_actor(session, hall), sid)
                sub = found.sub
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        _echo({"sub": sub, "ended": ended}, as_json, f"ended {len(ended)} session(s)")
