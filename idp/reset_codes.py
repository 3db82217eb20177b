"""One-time account reset codes: issue, check, spend (no Flask).

A code lets the person set a new password and/or re-enrol the second factor of one
account, once, within ``TTL`` (15 minutes). Two forms:

- at the counter (``channel="counter"``): ten base32 characters (50 bits),
  ``xxxxx-xxxxx``, handed to the person by a clerk as a link or to type;
- by message (``"sms"``, ``"email"``): eight digits, as people type them from a text.

Either is stored only as HMAC-SHA256 under a key derived from the KEK
(``SecondFactorKeys.reset``), over the account's id and the code: a copy of the
database cannot be searched for codes, and a code is worth nothing on another
account. Entry is throttled by the caller (idp.reset_entry), so eight digits are
enough: a handful of guesses per name and source against 10^8 values.

At most one code is live per account: issuing one voids the rest. Spending is a
conditional UPDATE (``used_at IS NULL AND voided_at IS NULL``), so two browsers
racing with the same code cannot both win, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from edge.timestamps import utcnow
from idp.errors import ResetCodeRejected
from idp.models.accounts import Account
from idp.models.reset_codes import CHANNELS, ResetCode

TTL = timedelta(minutes=15)
MESSAGE_DIGITS = 8


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """A new code in clear (shown or sent once, never stored) and when it expires."""

    code: str
    expires_at: datetime
    channel: str


def canonical(code: str) -> str:
    """The code as compared: case, spaces and dashes ignored."""
    return (code or "").strip().lower().replace(" ", "").replace("-", "")


def digest(key: bytes, account_id: int, code: str) -> str:
    """The stored form of ``code`` for the account with primary key ``account_id``."""
    message = f"{account_id}:{canonical(code)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def new_message_code() -> str:
    """Eight random digits."""
    return f"{secrets.randbelow(10 ** MESSAGE_DIGITS):0{MESSAGE_DIGITS}d}"


def _new_code(channel: str) -> str:
    if channel != "counter":
        return new_message_code()
    text = base64.b32encode(secrets.token_bytes(10)).decode().lower()[:10]
    return f"{text[:5]}-{text[5:]}"


def issue(session: Session, key: bytes, account: Account, *, channel: str,
          resets_password: bool, resets_totp: bool, issued_by: str,
          now: datetime | None = None) -> IssuedCode:
    """A new code for ``account``, voiding every earlier live one; raises ValueError
    for an unknown channel or a code that resets nothing."""
    if channel not in CHANNELS or not (resets_password or resets_totp):
        raise ValueError("a reset code needs a known channel and something to reset")
    now = now or utcnow()
    void_live(session, account, now)
    code = _new_code(channel)
    session.add(ResetCode(account_id=account.id, code_hash=digest(key, account.id, code),
                          channel=channel, resets_password=resets_password,
                          resets_totp=resets_totp, issued_by=issued_by[:200],
                          created_at=now, expires_at=now + TTL))
    session.flush()
    return IssuedCode(code=code, expires_at=now + TTL, channel=channel)


def void_live(session: Session, account: Account, now: datetime | None = None) -> int:
    """Void the account's unspent codes; how many."""
    return session.execute(
        update(ResetCode).where(ResetCode.account_id == account.id,
                                ResetCode.used_at.is_(None), ResetCode.voided_at.is_(None))
        .values(voided_at=now or utcnow()).execution_options(synchronize_session=False)
    ).rowcount


def check(session: Session, key: bytes, account: Account | None, code: str,
          now: datetime | None = None) -> ResetCode:
    """The live code ``code`` of ``account`` (not spent here).

    Raises ResetCodeRejected: ``wrong`` (no such code for this account, or no
    account), ``used`` (spent or voided) or ``expired``.
    """
    if account is None or not canonical(code):
        raise ResetCodeRejected("wrong")
    wanted = digest(key, account.id, code)
    row = session.scalar(select(ResetCode).where(ResetCode.account_id == account.id,
                                                 ResetCode.code_hash == wanted)
                         .order_by(ResetCode.id.desc()).limit(1))
    if row is None or not hmac.compare_digest(row.code_hash, wanted):
        raise ResetCodeRejected("wrong")
    return _live(row, now or utcnow())


def _live(row: ResetCode, now: datetime) -> ResetCode:
    if row.used_at is not None or row.voided_at is not None:
        raise ResetCodeRejected("used")
    if row.expires_at <= now:
        raise ResetCodeRejected("expired")
    return row


def get_live(session: Session, code_id: int, account_id: int,
             now: datetime | None = None) -> ResetCode:
    """The code row ``code_id`` of ``account_id`` if still live (a checked code whose
    id the reset page kept); raises ResetCodeRejected."""
    row = session.get(ResetCode, code_id)
    if row is None or row.account_id != account_id:
        raise ResetCodeRejected("wrong")
    return _live(row, now or utcnow())


def spend(session: Session, row: ResetCode, now: datetime | None = None) -> None:
    """Mark the code used, once; raises ResetCodeRejected (``used`` or ``expired``)
    when another request spent it first or it expired meanwhile."""
    now = now or utcnow()
    result = session.execute(
        update(ResetCode).where(ResetCode.id == row.id, ResetCode.used_at.is_(None),
                                ResetCode.voided_at.is_(None), ResetCode.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        session.refresh(row)
        _live(row, now)
        raise ResetCodeRejected("used")
    row.used_at = now

