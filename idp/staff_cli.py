"""``onegate staff grant|revoke|list`` and ``onegate halls add|list|edit``: operators
manage staff roles and service halls from the shell, each change audited with the
operator (``--operator``). Built per app like ``idp.cli.users_group``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from audit import operators
from idp import accounts, halls, staff
from idp.errors import AccountError

if TYPE_CHECKING:
    from idp.services import IdpServices


def _echo(data, as_json: bool, text: str) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2) if as_json else text)


def _scope_options(command):
    command = click.option("--department", default=None, metavar="CODE",
                           help="Scope of department-admin.")(command)
    return click.option("--hall", default=None, metavar="CODE",
                        help="Scope of hall-admin and clerk.")(command)


def _wanted(services: IdpServices, session, role: str, department, hall) -> staff.Grant:
    """Raises AccountError (InvalidAccountData naming the option, UnknownHall)."""
    given = {"department": department, "hall": hall}
    kind = staff.SCOPES[role]
    extra = [name for name, value in given.items() if value and name != kind]
    if extra:
        raise click.UsageError(f"{role} takes no --{extra[0]}")
    return staff.check_grant(session, role, given.get(kind) if kind else None,
                             services.department_exists)


def _grant_row(account, grant: staff.Grant) -> dict:
    return {"sub": account.sub, "username": account.username, "name": account.display_name,
            "role": grant.role, "scope": grant.scope}


def staff_group(services: IdpServices) -> click.Group:
    """The ``staff`` command group over ``services``."""

    @click.group("staff")
    def group() -> None:
        """Staff roles and their scope (department or hall)."""

    @group.command("grant")
    @click.argument("account")
    @click.argument("role", type=click.Choice(staff.ROLES))
    @_scope_options
    @click.option("--json", "as_json", is_flag=True)
    def grant(account, role, department, hall, as_json) -> None:
        """Give ACCOUNT (sub, username, ...) ROLE over --department or --hall."""
        try:
            with services.work() as session:
                found = accounts.get_by_reference(session, account)
                wanted = _wanted(services, session, role, department, hall)
                added = staff.grant(session, found, wanted, operators.actor())
                row = {**_grant_row(found, wanted), "added": added}
                if added:
                    operators.record(session, "staff.grant", found.sub,
                                     {"role": role, "scope": wanted.scope})
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        _echo(row, as_json, f"{'granted' if added else 'already held'}: "
                            f"{found.username} {wanted.label()}")

    @group.command("revoke")
    @click.argument("account")
    @click.argument("role", type=click.Choice(staff.ROLES))
    @_scope_options
    @click.option("--json", "as_json", is_flag=True)
    def revoke(account, role, department, hall, as_json) -> None:
        """Take ROLE (over --department or --hall) away from ACCOUNT."""
        try:
            with services.work() as session:
                found = accounts.get_by_reference(session, account)
                scope = {"hall": (hall or "").strip().lower(), None: "",
                         "department": (department or "").strip()}[staff.SCOPES[role]]
                unwanted = staff.Grant(role, scope)
                staff.revoke(session, found, unwanted)
                operators.record(session, "staff.revoke", found.sub,
                                 {"role": role, "scope": unwanted.scope})
                row = _grant_row(found, unwanted)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        _echo(row, as_json, f"revoked: {found.username} {unwanted.label()}")

    @group.command("list")
    @click.option("--role", type=click.Choice(staff.ROLES), default=None)
    @click.option("--scope", default=None, metavar="CODE", help="A department or hall code.")
    @click.option("--json", "as_json", is_flag=True)
    def list_staff(role, scope, as_json) -> None:
        """List who holds which role over what."""
        with services.work() as session:
            rows = [_grant_row(a, g) for a, g in staff.holders(session, role, scope)]
        lines = [f"{r['username']:<20} {r['role']:<17} {r['scope'] or '-':<16} {r['name']}"
                 for r in rows]
        _echo(rows, as_json, "\n".join(lines) or "no staff roles")

    return group


def halls_group(services: IdpServices) -> click.Group:
    """The ``halls`` command group over ``services``."""

    @click.group("halls")
    def group() -> None:
        """Service halls and village stations."""

    @group.command("add")
    @click.argument("code")
    @click.option("--name", required=True)
    @click.option("--level", type=click.Choice(halls.LEVELS), required=True)
    @click.option("--region", default="", help="Administrative division, e.g. 广州市天河区.")
    @click.option("--json", "as_json", is_flag=True)
    def add(code, name, level, region, as_json) -> None:
        """Register the hall CODE (a-z, 0-9, '-')."""
        try:
            with services.work() as session:
                row = halls.row(halls.add(session, code, name, level, region))
                operators.record(session, "hall.add", row["code"],
                                 {"name": row["name"], "level": level, "region": row["region"]})
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        _echo(row, as_json, f"hall {row['code']} registered")

    @group.command("edit")
    @click.argument("code")
    @click.option("--name", default=None)
    @click.option("--level", type=click.Choice(halls.LEVELS), default=None)
    @click.option("--region", default=None)
    @click.option("--disable/--enable", "disabled", default=None)
    @click.option("--json", "as_json", is_flag=True)
    def edit(code, name, level, region, disabled, as_json) -> None:
        """Change the hall CODE's name, level, region or whether it is disabled."""
        changes = halls.HallChanges(name=name, region=region, level=level, disabled=disabled)
        try:
            with services.work() as session:
                row = halls.row(halls.edit(session, code, changes))
                operators.record(session, "hall.edit", row["code"], {
                    k: v for k, v in vars_of(changes).items() if v is not None})
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        _echo(row, as_json, f"hall {row['code']} updated")

    @group.command("add-client")
    @click.argument("code")
    @click.argument("client_id")
    def add_client(code, client_id) -> None:
        """Let relying party CLIENT_ID belong to hall CODE (its sign-ins count for it)."""
        _assign(services, code, client_id)
        click.echo(f"client {client_id} belongs to hall {code}")

    @group.command("remove-client")
    @click.argument("client_id")
    def remove_client(client_id) -> None:
        """Let relying party CLIENT_ID belong to no hall."""
        _assign(services, None, client_id)
        click.echo(f"client {client_id} belongs to no hall")

    @group.command("list")
    @click.option("--json", "as_json", is_flag=True)
    def list_halls(as_json) -> None:
        """List the halls."""
        with services.work() as session:
            rows = [halls.row(h) for h in halls.list_halls(session)]
        lines = [f"{r['code']:<20} {r['level']:<9} {r['name']}"
                 f"{'  [disabled]' if r['disabled'] else ''}" for r in rows]
        _echo(rows, as_json, "\n".join(lines) or "no halls")

    return group


def _assign(services: IdpServices, code: str | None, client_id: str) -> None:
    """Raises click.ClickException for an unknown hall or client."""
    try:
        with services.work() as session:
            halls.assign_client(session, code, client_id)
            operators.record(session, "hall.assign_client", client_id, {"hall": code})
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None


def vars_of(changes: halls.HallChanges) -> dict:
    return {name: getattr(changes, name) for name in changes.__slots__}
