"""The person's side of a reset (no Flask): spend a checked code, set the new
password and/or remove the old second factor, and end everything the old
credentials opened.

A code that resets the second factor removes the old seed and recovery codes here,
at redemption, not when the clerk issues it: issuing happens at a counter, where a
social engineer may stand in for the person, and removing the factor then would
weaken the real person's account for 15 minutes without their device ever being
involved. At redemption the code has reached the person's own device, and every
session is ended at the same moment, so nobody keeps a session opened with the old
factor. The next loa-2 login then asks to enrol a new authenticator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from idp import accounts, reset_codes, totp
from idp.grants.families import revoke_where
from idp.models.accounts import Account
from idp.models.reset_codes import ResetCode
from idp.recovery_audit import person, record

if TYPE_CHECKING:
    from idp.denylist import AccessTokenDenylist
    from idp.sso import SsoSessions


@dataclass(frozen=True, slots=True)
class ResetDone:
    password: bool
    totp: bool
    sessions_ended: int
    tokens_revoked: int


def complete(session: Session, sso: SsoSessions, denylist: AccessTokenDenylist,
             account: Account, code: ResetCode, password: str | None,
             now: datetime | None = None) -> ResetDone:
    """Apply the live ``code`` (from ``reset_codes.check``/``get_live``) to ``account``.

    The new password is checked before the code is spent, so a too-short password
    costs nothing. Raises InvalidAccountData (password policy) or ResetCodeRejected
    (spent, voided or expired meanwhile).
    """
    if code.resets_password:
        accounts.check_password(password)
    reset_codes.spend(session, code, now)
    if code.resets_password:
        accounts.change_password(session, account, password or "")
    if code.resets_totp:
        totp.disable(session, account)
    ended = sso.end_sessions_of(account.id)
    # Families outside a live session (an expired one, a device grant) go too.
    revoked = revoke_where(session, denylist, "account_reset", sub=account.sub)
    record(session, person(account), "account.reset_completed", account, {
        "password": code.resets_password, "totp": code.resets_totp,
        "channel": code.channel, "sessions_ended": len(ended)})
    return ResetDone(password=code.resets_password, totp=code.resets_totp,
                     sessions_ended=len(ended), tokens_revoked=revoked)
