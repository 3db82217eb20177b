"""What the person sees on their account page of the recovery actions on their
account: who (clerk and hall, or themselves) did what, and when, read from the
audit trail (the one record; nothing is kept twice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.models import AuditEntry
from idp.models.accounts import Account

ACTIONS = ("operator.account.reset_issued", "account.reset_completed",
           "account.reset_code_sent", "operator.account.lock", "operator.account.unlock",
           "operator.account.sessions_ended",
           # The console's People page locks through its own audit action.
           "console.account.lock", "console.account.unlock")
LIMIT = 20


@dataclass(frozen=True, slots=True)
class Event:
    at: datetime
    #: ACTIONS without the ``operator.``/``console.`` prefix: ``account.reset_issued``
    action: str
    by: str | None
    hall: str | None
    by_clerk: bool
    data: dict[str, Any]


def recent(session: Session, account: Account, limit: int = LIMIT) -> list[Event]:
    """The account's latest recovery events, newest first."""
    rows = session.scalars(select(AuditEntry).where(AuditEntry.subject == account.sub,
                                                    AuditEntry.action.in_(ACTIONS))
                           .order_by(AuditEntry.seq.desc()).limit(limit))
    return [_event(row) for row in rows]


def _event(row: AuditEntry) -> Event:
    data = row.data or {}
    action = row.action.removeprefix("operator.").removeprefix("console.")
    return Event(at=row.at, action=action, by=data.get("by") or data.get("username"),
                 hall=data.get("hall"), by_clerk=not row.actor.startswith("person:"),
                 data=data)
