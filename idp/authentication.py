"""Checking a login and password (no Flask): throttle first, one argon2 run always,
the same answer for an unknown login and a wrong password, rehash on success."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from idp import accounts, passwords
from idp.errors import AccountLocked, InvalidCredentials
from idp.login_names import canonical_login
from idp.models.accounts import Account
from idp.throttle import Throttle


def authenticate(session: Session, throttle: Throttle, login: str, password: str,
                 address: str | None,
                 trusted_device: Callable[[Account], str | None] | None = None) -> Account:
    """The account whose password this is.

    The attempt is reserved in the throttle before the password is checked, keyed on
    the canonical form of ``login`` (the one the lookup uses), whether or not an
    account has it. ``trusted_device(account)`` gives the id of the browser's valid
    device cookie for the account the name resolves to, if any: the throttle then
    counts the attempt on that device's budget instead of the name's (an unknown
    name has no account, so it is never trusted -- like a real one without cookie).
    Raises TooManyAttempts while the name or address must wait,
    ThrottleUnavailable when the throttle cannot count (nothing is checked then),
    InvalidCredentials for an unknown login or a wrong password, and AccountLocked
    only after a correct password (so it reveals nothing new).
    """
    name = str(canonical_login(login) or "empty:")
    account = accounts.find_by_login(session, login)
    device = trusted_device(account) if account is not None and trusted_device else None
    device = throttle.admit(name, address, device)
    # An enterprise has no password (migration idp_0011): checked against the dummy
    # hash like an unknown name, so it costs the same and answers the same.
    usable = account if account is not None and account.kind != "enterprise" else None
    if not passwords.verify_password(usable.password_hash if usable else None, password):
        raise InvalidCredentials("incorrect username or password")
    throttle.succeeded(name, address, device)
    if account.locked:
        raise AccountLocked("account locked")
    _rehash_if_needed(session, account, password)
    return account


def _rehash_if_needed(session: Session, account: Account, password: str) -> None:
    """Bring the stored hash up to today's argon2 parameters."""
    if passwords.needs_rehash(account.password_hash):
        account.password_hash = passwords.hash_password(password)
        session.flush()
