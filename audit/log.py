"""Appending to and checking the chain in the database.

Appends are serialised so two writers never chain onto the same predecessor: on
PostgreSQL a transaction-level advisory lock (released at commit or rollback), on
SQLite the database write lock, taken up front by a no-op write so the read of the
chain head already happens inside the write transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from audit import chain
from audit.models import AuditEntry

#: Arbitrary constant naming the audit append lock among PostgreSQL advisory locks
#: ("AUDIT" in ASCII).
ADVISORY_LOCK_ID = 0x4155444954
BATCH = 1000


def append(session: Session, *, actor: str, action: str, subject: str,
           data: dict[str, Any] | None = None, at: datetime | None = None) -> AuditEntry:
    """Add the next entry to ``session`` (the caller commits, together with its own work).

    Raises TypeError if ``data`` is not JSON-serialisable; database errors as they come.
    """
    _lock(session)
    head = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev = (head.seq + 1, head.hash) if head else (1, chain.GENESIS)
    when = (at or datetime.now(UTC)).astimezone(UTC)
    payload = dict(data or {})
    digest = chain.entry_hash(seq, prev, when, actor, action, subject, payload)
    entry = AuditEntry(seq=seq, at=when, actor=actor, action=action, subject=subject,
                       data=payload, prev_hash=prev, hash=digest)
    session.add(entry)
    session.flush()
    return entry


def append_many(session: Session, entries: list[dict[str, Any]],
                at: datetime | None = None) -> list[AuditEntry]:
    """Add several entries (each a dict of ``actor``, ``action``, ``subject``, ``data``)
    under one lock and one read of the chain head: a batch of licences costs one
    round trip for the head, not one per licence. The caller commits.

    Raises TypeError if some ``data`` is not JSON-serialisable.
    """
    if not entries:
        return []
    _lock(session)
    head = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev = (head.seq, head.hash) if head else (0, chain.GENESIS)
    when = (at or datetime.now(UTC)).astimezone(UTC)
    rows = []
    for item in entries:
        seq += 1
        payload = dict(item.get("data") or {})
        digest = chain.entry_hash(seq, prev, when, item["actor"], item["action"],
                                  item["subject"], payload)
        rows.append(AuditEntry(seq=seq, at=when, actor=item["actor"], action=item["action"],
                               subject=item["subject"], data=payload, prev_hash=prev,
                               hash=digest))
        prev = digest
    session.add_all(rows)
    session.flush()
    return rows


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": ADVISORY_LOCK_ID})
    else:
        session.execute(text("DELETE FROM audit_entries WHERE seq < 0"))


def iter_entries(session: Session, batch: int = BATCH) -> Iterator[AuditEntry]:
    """Every entry in seq order, read in batches (keyset pagination)."""
    last = None
    while True:
        query = select(AuditEntry).order_by(AuditEntry.seq).limit(batch)
        if last is not None:
            query = query.where(AuditEntry.seq > last)
        rows = session.scalars(query).all()
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1].seq
        session.expunge_all()  # keep memory flat on long chains


def find_break(session: Session, batch: int = BATCH) -> tuple[chain.ChainBreak | None, int]:
    """(first break or None, number of entries checked)."""
    previous = None
    count = 0
    for entry in iter_entries(session, batch):
        reason = chain.check_link(entry, previous)
        if reason is not None:
            return chain.ChainBreak(entry.seq, reason), count
        previous = _Link(entry.seq, entry.hash)
        count += 1
    return None, count


def verify_chain(session: Session, batch: int = BATCH) -> int | None:
    """The seq of the first broken entry, or None when the chain is intact."""
    found, _ = find_break(session, batch)
    return found.seq if found else None


class _Link:
    __slots__ = ("seq", "hash")

    def __init__(self, seq: int, hash_: str) -> None:
        self.seq, self.hash = seq, hash_


def recent(session: Session, limit: int) -> list[AuditEntry]:
    """The ``limit`` newest entries, newest first."""
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)))
