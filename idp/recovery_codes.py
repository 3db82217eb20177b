"""One-time recovery codes for when the authenticator is lost.

Ten random codes (50 bits each, ``xxxxx-xxxxx`` in lowercase base32) are shown
once and stored as HMAC-SHA256 under a key derived from the key-encryption key
(``idp.second_factor_keys``). 50 bits is too little for a plain hash (a copy of the
database could be searched exhaustively), and enough for a keyed one, which cannot be
computed without the KEK; a slow hash would add only cost. Each code is usable once,
enforced by a conditional UPDATE (safe across workers).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from edge.timestamps import utcnow
from idp.errors import InvalidSecondFactor
from idp.models.accounts import Account, RecoveryCode

COUNT = 10


def _new_code() -> str:
    text = base64.b32encode(secrets.token_bytes(10)).decode().lower()[:10]
    return f"{text[:5]}-{text[5:]}"


def digest(key: bytes, code: str) -> str:
    """The stored form of ``code`` (spaces, dashes and case ignored)."""
    canonical = (code or "").strip().lower().replace(" ", "").replace("-", "")
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def regenerate(session: Session, account: Account, key: bytes) -> list[str]:
    """Replace the account's codes with ``COUNT`` new ones; return them in clear, once."""
    delete_all(session, account)
    codes = [_new_code() for _ in range(COUNT)]
    session.add_all(RecoveryCode(account_id=account.id, code_hash=digest(key, c))
                    for c in codes)
    session.flush()
    return codes


def use(session: Session, account: Account, key: bytes, code: str) -> None:
    """Spend one code; raises InvalidSecondFactor when it is unknown or already used."""
    result = session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.account_id == account.id, RecoveryCode.code_hash == digest(key, code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise InvalidSecondFactor("unknown or used recovery code")


def remaining(session: Session, account: Account) -> int:
    """How many unused codes the account still has."""
    query = select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None))
    return session.scalar(query) or 0


def delete_all(session: Session, account: Account) -> None:
    """Remove every code of the account."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))
