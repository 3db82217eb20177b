"""Appending to and checking the chain in the database.

Appends are serialised (``audit.locking``) so two writers never chain onto the same
predecessor. Every new entry is keyed (HMAC under the session's Trail key); a log that
ends with legacy entries is first sealed by a keyed ``audit.chain.keyed`` entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit import chain, checkpoints
from audit import trail as trails
from audit.locking import lock
from audit.models import AuditCheckpoint, AuditEntry
from edge import bulk_rows

BATCH = 1000
#: Who writes the entries the trail writes about itself.
SYSTEM = "system:audit"


def append(session: Session, *, actor: str, action: str, subject: str,
           data: dict[str, Any] | None = None, at: datetime | None = None) -> AuditEntry:
    """Add the next entry to ``session`` (the caller commits, together with its own work).

    Raises TypeError if ``data`` is not JSON-serialisable, TrailNotConfigured if the
    session carries no chain key; database errors as they come.
    """
    return append_many(session, [{"actor": actor, "action": action, "subject": subject,
                                  "data": data}], at=at)[0]


def append_many(session: Session, entries: list[dict[str, Any]],
                at: datetime | None = None) -> list[AuditEntry]:
    """Add several entries (each a dict of ``actor``, ``action``, ``subject``, ``data``)
    under one lock and one read of the chain head: a batch of licences costs one
    round trip for the head, not one per licence. The caller commits.

    Raises TypeError if some ``data`` is not JSON-serialisable, TrailNotConfigured if
    the session carries no chain key.
    """
    if not entries:
        return []
    trail = trails.of(session)
    lock(session)
    head, last_checkpoint = _head_and_checkpoint(session, trail.signer is not None)
    when = (at or datetime.now(UTC)).astimezone(UTC)
    seal = _seal(trail.chain_key, head, when)
    rows = [seal] if seal is not None else []
    last = seal or head
    seq, prev = (last.seq, last.hash) if last is not None else (0, chain.GENESIS)
    for item in entries:
        row = _keyed(trail.chain_key, seq + 1, prev, when, item["actor"], item["action"],
                     item["subject"], dict(item.get("data") or {}))
        rows.append(row)
        seq, prev = row.seq, row.hash
    # One COPY (PostgreSQL) or multi-row INSERT (edge.bulk_rows), not the ORM's unit of
    # work: the entries are returned as plain objects that are not in the session.
    bulk_rows.insert_rows(session, AuditEntry, [_values(row) for row in rows])
    checkpoints.schedule(session, trail, seq, when, last=last_checkpoint)
    return rows[-len(entries):]


def _values(row: AuditEntry) -> dict[str, Any]:
    return {"seq": row.seq, "at": row.at, "actor": row.actor, "action": row.action,
            "subject": row.subject, "data": row.data, "prev_hash": row.prev_hash,
            "hash": row.hash, "hash_alg": row.hash_alg}


def seal_legacy(session: Session) -> AuditEntry | None:
    """Seal a log that ends with legacy (unkeyed) entries by appending the keyed start
    entry; None when there is nothing to seal. The caller commits.

    Raises TrailNotConfigured if the session carries no chain key.
    """
    trail = trails.of(session)
    lock(session)
    entry = _seal(trail.chain_key, _head(session), datetime.now(UTC))
    if entry is not None:
        session.add(entry)
        session.flush()
    return entry


def _seal(key: bytes, head, when: datetime) -> AuditEntry | None:
    """The keyed start entry after a legacy head, or None when the head is keyed."""
    if head is None or head.hash_alg != chain.LEGACY:
        return None
    return _keyed(key, head.seq + 1, head.hash, when, SYSTEM, chain.KEYED_START, "audit",
                  chain.seal_data(head.seq, head.hash))


def _head_and_checkpoint(session: Session, with_checkpoint: bool):
    """The chain head and (``with_checkpoint``) the newest checkpoint's (seq, at), in one
    statement: read under the audit lock, so both are what earlier holders committed.
    Either is None when there is none."""
    if not with_checkpoint:
        return _head(session), None

    def newest(column, *order):
        return select(column).order_by(*order).limit(1).scalar_subquery()

    by_seq = (AuditEntry.seq.desc(),)
    by_checkpoint = (AuditCheckpoint.seq.desc(), AuditCheckpoint.id.desc())
    # Scalar subqueries: exactly one row, whichever side is empty.
    row = session.execute(select(
        newest(AuditEntry.seq, *by_seq).label("seq"),
        newest(AuditEntry.hash, *by_seq).label("hash"),
        newest(AuditEntry.hash_alg, *by_seq).label("hash_alg"),
        newest(AuditCheckpoint.seq, *by_checkpoint).label("cp_seq"),
        newest(AuditCheckpoint.at, *by_checkpoint).label("cp_at"))).one()
    found = _Link(row.seq, row.hash, row.hash_alg) if row.seq is not None else None
    last = checkpoints.Last(row.cp_seq, row.cp_at) if row.cp_seq is not None else None
    return found, last


def _head(session: Session):
    return session.execute(
        select(AuditEntry.seq, AuditEntry.hash, AuditEntry.hash_alg)
        .order_by(AuditEntry.seq.desc()).limit(1)).first()


def _keyed(key: bytes, seq: int, prev: str, when: datetime, actor: str, action: str,
           subject: str, payload: dict[str, Any]) -> AuditEntry:
    digest = chain.entry_mac(key, seq, prev, when, actor, action, subject, payload)
    return bulk_rows.plain(AuditEntry, {
        "seq": seq, "at": when, "actor": actor, "action": action, "subject": subject,
        "data": payload, "prev_hash": prev, "hash": digest, "hash_alg": chain.KEYED})


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
    """(first break or None, number of entries checked), under the session's chain key.

    Raises TrailNotConfigured if the session carries no chain key.
    """
    key = trails.of(session).chain_key
    previous = None
    count = 0
    for entry in iter_entries(session, batch):
        reason = chain.check_link(entry, previous, key)
        if reason is not None:
            return chain.ChainBreak(entry.seq, reason), count
        previous = _Link(entry.seq, entry.hash, entry.hash_alg)
        count += 1
    reason = chain.check_end(previous)
    if reason is not None:
        return chain.ChainBreak(previous.seq, reason), count
    return None, count


def verify_chain(session: Session, batch: int = BATCH) -> int | None:
    """The seq of the first broken entry, or None when the chain is intact."""
    found, _ = find_break(session, batch)
    return found.seq if found else None


class _Link:
    __slots__ = ("seq", "hash", "hash_alg")

    def __init__(self, seq: int, hash_: str, hash_alg: str) -> None:
        self.seq, self.hash, self.hash_alg = seq, hash_, hash_alg


def recent(session: Session, limit: int) -> list[AuditEntry]:
    """The ``limit`` newest entries, newest first."""
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)))


def about(session: Session, subject: str, actions: Iterable[str] | None = None,
          limit: int = 200) -> list[AuditEntry]:
    """The entries about ``subject`` (optionally only ``actions``), oldest first, at most
    ``limit`` (the newest ones when there are more)."""
    query = select(AuditEntry).where(AuditEntry.subject == subject)
    if actions is not None:
        query = query.where(AuditEntry.action.in_(list(actions)))
    rows = session.scalars(query.order_by(AuditEntry.seq.desc()).limit(limit)).all()
    return list(reversed(rows))
