"""``onegate users add|list|lock|unlock``: operators manage accounts from the shell.

``users_group(services)`` builds the click group; admin adds it to the ``onegate``
command. Each command is one unit of work (``IdpServices.work``).
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from audit import operators
from idp import accounts, staff
from idp.accounts import NewAccount
from idp.errors import AccountError, InvalidAccountData
from idp.models.accounts import KINDS, Account

if TYPE_CHECKING:
    from idp.services import IdpServices

CREATORS = {"person": accounts.create_person, "enterprise": accounts.create_enterprise,
            "staff": accounts.create_staff}


#: ``users add --role operator`` (before 0.3) is a platform administrator.
ROLE_ALIASES = {"operator": staff.PLATFORM_ADMIN}


def account_row(account: Account, grants: list[staff.Grant] | None = None) -> dict:
    """The operator's view of an account (never the hash or the TOTP seed); ``roles``
    as ``role`` or ``role:scope`` labels."""
    return {"sub": account.sub, "kind": account.kind, "username": account.username,
            "name": account.display_name, "phone": account.phone, "email": account.email,
            "id_number": account.id_number, "uscc": account.uscc,
            "roles": [g.label() for g in grants or []],
            "totp": account.has_totp, "locked": account.locked,
            "locked_reason": account.locked_reason, "created_at": account.created_at.isoformat()}


def _echo(row: dict | list, as_json: bool, text: str) -> None:
    click.echo(json.dumps(row, ensure_ascii=False, indent=2) if as_json else text)


def _password(password: str | None, from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if password is not None:
        return password
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _authorise(session, person: Account, usccs) -> None:
    """Raises UnknownAccount or InvalidAccountData."""
    for code in usccs:
        enterprise = accounts.get_by_reference(session, code)
        accounts.authorise(session, enterprise, person)


def _grant_roles(services: IdpServices, session, account: Account, roles, department,
                 hall) -> list[staff.Grant]:
    """Grant ``roles`` (their scope from --department or --hall); raises AccountError."""
    if roles and account.kind != "staff":
        raise InvalidAccountData("role", "only staff accounts hold roles")
    scopes = {"department": department, "hall": hall, None: None}
    for name in roles:
        role = ROLE_ALIASES.get(name, name)
        wanted = staff.check_grant(session, role, scopes[staff.SCOPES[role]],
                                   services.department_exists)
        staff.grant(session, account, wanted, operators.actor())
    return staff.grants_of(session, account)


def _set_lock(services: IdpServices, reference: str, locked: bool,
              reason: str | None) -> dict:
    """Lock or unlock through idp.counter (the console's functions too), audited as
    ``operator.account.lock|unlock``; raises click.ClickException for an unknown account."""
    from idp import counter
    from idp.counter_cli import cli_actor

    try:
        with services.work() as session:
            account = accounts.get_by_reference(session, reference)
            if locked:
                counter.lock(session, account, cli_actor(), reason)
            else:
                counter.unlock(session, account, cli_actor())
            return account_row(account, staff.grants_of(session, account))
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None


def users_group(services: IdpServices) -> click.Group:
    """The ``users`` command group, its commands working on ``services``."""

    @click.group("users")
    def users() -> None:
        """Accounts: citizens, enterprises and staff."""


    @users.command("add")
    @click.option("--kind", type=click.Choice(KINDS), required=True)
    @click.option("--username", required=True)
    @click.option("--name", "display_name", required=True, help="Person's or enterprise's name.")
    @click.option("--password", default=None, help="Prefer --password-stdin or the prompt.")
    @click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
    @click.option("--id-number", default=None, help="Citizen ID number (persons).")
    @click.option("--uscc", default=None, help="Unified social credit code (enterprises).")
    @click.option("--phone", default=None)
    @click.option("--email", default=None)
    @click.option("--role", "roles", multiple=True,
                  type=click.Choice([*staff.ROLES, *ROLE_ALIASES]),
                  help="Staff role; repeat for several ('operator' is platform-admin).")
    @click.option("--department", default=None, metavar="CODE",
                  help="Scope of a department-admin role.")
    @click.option("--hall", default=None, metavar="CODE",
                  help="Scope of a hall-admin or clerk role (onegate halls list).")
    @click.option("--authorise-for", "authorise_for", multiple=True, metavar="USCC",
                  help="Let this person act for the enterprise with this USCC as an agent "
                  "for every matter (see `onegate enterprises represent`); repeatable.")
    @click.option("--json", "as_json", is_flag=True)
    def add(kind, username, display_name, password, password_stdin, id_number, uscc, phone, email,
            roles, department, hall, authorise_for, as_json) -> None:
        """Create an account (a staff account with its roles)."""
        # An enterprise gets no password: it acts through named representatives
        # (`onegate enterprises represent`).
        secret = "" if kind == "enterprise" else _password(password, password_stdin)
        data = NewAccount(username=username, password=secret,
                          display_name=display_name, phone=phone, email=email,
                          id_number=id_number, uscc=uscc)
        try:
            with services.work() as session:
                account = CREATORS[kind](session, data)
                _authorise(session, account, authorise_for)
                grants = _grant_roles(services, session, account, roles, department, hall)
                row = account_row(account, grants)
                operators.record(session, "account.add", row["sub"], {
                    "kind": kind, "username": row["username"], "roles": row["roles"],
                    "authorised_for": list(authorise_for)})
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        _echo(row, as_json, f"created {kind} {row['username']} (sub {row['sub']})")


    @users.command("list")
    @click.option("--kind", type=click.Choice(KINDS), default=None)
    @click.option("--json", "as_json", is_flag=True)
    def list_users(kind, as_json) -> None:
        """List accounts."""
        with services.work() as session:
            rows = [account_row(a, staff.grants_of(session, a))
                    for a in accounts.list_accounts(session, kind)]
        lines = [f"{r['sub']}  {r['kind']:<10} {r['username']:<24} {r['name']}"
                 f"{'  [locked]' if r['locked'] else ''}" for r in rows]
        _echo(rows, as_json, "\n".join(lines))


    @users.command("lock")
    @click.argument("account")
    @click.option("--reason", default=None)
    @click.option("--json", "as_json", is_flag=True)
    def lock(account, reason, as_json) -> None:
        """Lock ACCOUNT (sub, username, ID number, USCC or phone): no more logins."""
        row = _set_lock(services, account, True, reason)
        _echo(row, as_json, f"locked {row['username']}")


    @users.command("unlock")
    @click.argument("account")
    @click.option("--json", "as_json", is_flag=True)
    def unlock(account, as_json) -> None:
        """Unlock ACCOUNT."""
        row = _set_lock(services, account, False, None)
        _echo(row, as_json, f"unlocked {row['username']}")

    return users
