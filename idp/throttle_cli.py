"""``onegate accounts``: a counter clerk's commands. ``unlock`` (here) lifts the login
throttle for a person; the recovery commands (``reset-password``, ``reset-totp``,
``sessions``, ``end-sessions``) are in idp.counter_cli.

The operator lock (``onegate users lock|unlock``) is a different thing: this command
clears the failed-attempt budgets of ``idp.throttle`` -- the growing delay of every
name the account logs in with, and the lock of every source address -- and leaves an
operator's lock alone. The console will offer the same later.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from typing import TYPE_CHECKING

import click

from audit import log as audit_log
from idp import accounts, counter_cli
from idp.errors import ThrottleUnavailable, UnknownAccount
from idp.login_names import canonical_login
from idp.models.accounts import Account
from idp.throttle import Throttle

if TYPE_CHECKING:
    from idp.services import IdpServices

ACTION = "account.throttle_unlock"


def names_of(account: Account) -> list[str]:
    """Every canonical name the account can log in with, and its second factor's."""
    values = [account.username, account.phone, account.id_number]
    names = {str(canonical_login(v)) for v in values if v}
    return sorted(names) + [f"totp:{account.id}"]


def _account(session, identifier: str) -> Account | None:
    try:
        return accounts.get_by_reference(session, identifier)
    except UnknownAccount:
        return None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def accounts_group(services: IdpServices) -> click.Group:
    """The ``accounts`` command group, its commands working on ``services``."""

    @click.group("accounts")
    def group() -> None:
        """Accounts at the counter: resets, sessions, login throttling."""

    @group.command("unlock")
    @click.argument("identifier")
    @click.option("--actor", default=None, help="Who unlocks (audited); default the OS user.")
    @click.option("--json", "as_json", is_flag=True)
    def unlock(identifier: str, actor: str | None, as_json: bool) -> None:
        """Clear login throttling for IDENTIFIER (username, phone, ID number, USCC or sub),
        from every source, for every name of its account. Audited."""
        who = actor or f"operator:{getpass.getuser()}"
        with services.work() as session:
            account = _account(session, identifier)
            names = names_of(account) if account else [str(canonical_login(identifier))]
            try:
                # Redis, or the database in the store's own short transactions: this
                # command only reads before it, so SQLite's single writer is free.
                Throttle(services.throttle_store).unlock(names)
            except ThrottleUnavailable:
                raise click.ClickException("the throttle store (ONEGATE_REDIS_URL) is "
                                           "unreachable; nothing was unlocked") from None
            subject = account.sub if account else "login-name:" + _digest(names[0])
            audit_log.append(session, actor=who, action=ACTION, subject=subject,
                             data={"names": len(names), "account": account is not None})
        row = {"subject": subject, "account": account is not None, "names_cleared": len(names)}
        text = (f"login throttling cleared for {account.username} ({len(names)} names)" if account
                else "no account has this identifier; its throttling was cleared anyway")
        click.echo(json.dumps(row) if as_json else text)

    counter_cli.register(group, services)
    return group
