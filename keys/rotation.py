"""Pure state transitions of one owner's keys: promotion, retirement, pruning.

Functions take the owner's records, change the ones that move and return them,
so the ring only has to save what changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from keys.record import KeyRecord, KeyState


def _recency(record: KeyRecord) -> tuple:
    # On a tie a due next key beats the active one: rotating means replacing.
    return (record.activates_at, record.created_at, record.state == KeyState.NEXT, record.kid)


def current_active(records: Iterable[KeyRecord], alg: str) -> KeyRecord | None:
    """The active key of ``alg`` that signs: the most recently activated one."""
    active = [r for r in records if r.alg == alg and r.state == KeyState.ACTIVE]
    return max(active, key=_recency, default=None)


def retire(record: KeyRecord, now: datetime) -> KeyRecord:
    """Mark ``record`` retired as of ``now``; it keeps verifying and stays published."""
    record.state = KeyState.RETIRED
    record.retired_at = now
    return record


def promote_due(records: list[KeyRecord], now: datetime) -> list[KeyRecord]:
    """Activate due next keys, one per alg, retiring the keys they replace; returns the changed."""
    changed: list[KeyRecord] = []
    for alg in sorted({r.alg for r in records}):
        changed += _promote_alg([r for r in records if r.alg == alg], now)
    return changed


def _promote_alg(records: list[KeyRecord], now: datetime) -> list[KeyRecord]:
    due = [r for r in records if r.state == KeyState.NEXT and r.activates_at <= now]
    if not due:
        return []
    active = [r for r in records if r.state == KeyState.ACTIVE]
    # The most recent candidate signs; every other due or active key of the alg
    # retires, so there is exactly one signer per alg afterwards.
    winner = max(due + active, key=_recency)
    promoted = winner.state == KeyState.NEXT
    winner.state = KeyState.ACTIVE
    losers = [retire(r, now) for r in due + active if r is not winner]
    return [winner, *losers] if promoted else losers


def prunable(records: Iterable[KeyRecord], now: datetime,
             retire_after: timedelta) -> list[KeyRecord]:
    """Retired, still-published keys whose publication period has ended."""
    return [r for r in records
            if r.state == KeyState.RETIRED and r.published and r.retired_at is not None
            and r.retired_at + retire_after <= now]
