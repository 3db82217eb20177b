"""Entering a reset code, throttled like a password (idp.throttle), before it is checked.

The code is entered with the account's login name: the name's budgets are spent
first (reserve, then check), whether or not an account has the name, so the answer
and the wait reveal nothing about which names exist. Per name and source address:
locked after ``LOCK_AFTER`` wrong codes; per name from anywhere: a growing delay
after ``LOCK_AFTER`` (1, 2, 4 ... 60 s); per source address: the login's loose
budget. Eight digits against a few guesses a minute for the 15 minutes a code lives
leaves an attacker a chance of about 1 in 10^5 per code.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from idp import accounts, reset_codes
from idp.errors import ResetCodeRejected
from idp.login_names import canonical_login
from idp.models.accounts import Account
from idp.models.reset_codes import ResetCode
from idp.throttle import Policies, Policy, Throttle, ThrottleStore

LOCK_AFTER = 5
POLICIES = Policies(
    account=Policy(free=LOCK_AFTER, max_delay=60),
    pair=Policy(free=LOCK_AFTER, max_delay=0, lock_after=LOCK_AFTER, lock_seconds=900),
    ip=Policy(free=30, max_delay=60, lock_after=100, lock_seconds=900))


def throttle(store: ThrottleStore, clock: Callable[[], float] = time.time) -> Throttle:
    """The code-entry throttle on the app's throttle store (Redis or the database)."""
    return Throttle(store, clock=clock, policies=POLICIES)


def entry_name(login: str) -> str:
    """The throttle name of a login as typed (its canonical form, so every spelling
    of one identifier shares one budget), apart from the login's own budgets."""
    name = canonical_login(login)
    return "reset:" + (str(name) if name else "raw:" + (login or "").strip().lower())


def check_entry(session: Session, gate: Throttle, key: bytes, login: str, code: str,
                address: str | None, now: datetime | None = None
                ) -> tuple[Account, ResetCode]:
    """The account and its live code, once the attempt was admitted and the code
    checks out (the code is not spent).

    Raises TooManyAttempts or ThrottleUnavailable before anything is checked, then
    ResetCodeRejected (``wrong`` also for an unknown login).
    """
    name = entry_name(login)
    gate.admit(name, address)
    account = accounts.find_by_login(session, login)
    if account is None:
        raise ResetCodeRejected("wrong")
    row = reset_codes.check(session, key, account, code, now)
    gate.succeeded(name, address)
    return account, row
