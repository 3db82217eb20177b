"""Checking a login and password (no Flask): throttle first, one argon2 run always,
the same answer for an unknown login and a wrong password, rehash on success."""

from __future__ import annotations

from sqlalchemy.orm import Session

from idp import accounts, passwords
from idp.errors import AccountLocked, InvalidCredentials
from idp.models.accounts import Account
from idp.throttle import Throttle


def authenticate(session: Session, throttle: Throttle, login: str, password: str,
                 address: str | None) -> Account:
    """The account whose password this is.

    Raises TooManyAttempts while the login or address is throttled (whether or not
    the account exists), InvalidCredentials for an unknown login or a wrong password,
    and AccountLocked only after a correct password (so it reveals nothing new).
    """
    throttle.check(login, address)
    account = accounts.find_by_login(session, login)
    if not passwords.verify_password(account.password_hash if account else None, password):
        throttle.failed(login, address)
        raise InvalidCredentials("incorrect username or password")
    throttle.succeeded(login)
    if account.locked:
        raise AccountLocked("account locked")
    _rehash_if_needed(session, account, password)
    return account


def _rehash_if_needed(session: Session, account: Account, password: str) -> None:
    """Bring the stored hash up to today's argon2 parameters."""
    if passwords.needs_rehash(account.password_hash):
        account.password_hash = passwords.hash_password(password)
        session.flush()
