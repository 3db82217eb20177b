"""Which signing keys are due for rotation: an active key whose age (since it began
signing) reaches ``KEY_ROTATE_EVERY`` (or whose owner's rotation schedule is due),
or will within ``WARN_DAYS``, unless a next key is already published for its owner
and algorithm."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from keys.record import KeyRecord, KeyState

WARN_DAYS = 14


@dataclass(frozen=True, slots=True)
class DueKey:
    kid: str
    owner: str
    alg: str
    due_at: datetime

    def overdue(self, now: datetime) -> bool:
        return self.due_at <= now


def due_for_rotation(records: Iterable[KeyRecord], rotate_every: int, now: datetime,
                     scheduled: Mapping[str, datetime] | None = None) -> list[DueKey]:
    """The active keys due within WARN_DAYS (or overdue), soonest first. An owner with
    a rotation schedule (``scheduled``: owner -> next rotation, keys.schedule) is due
    when its schedule says, not by ``rotate_every``."""
    records, scheduled = list(records), scheduled or {}
    waiting = {(r.owner, r.alg) for r in records if r.state == KeyState.NEXT}
    horizon = now + timedelta(days=WARN_DAYS)
    found = [DueKey(r.kid, r.owner, r.alg, scheduled.get(r.owner) or
                    r.activates_at + timedelta(seconds=rotate_every))
             for r in records if r.state == KeyState.ACTIVE and (r.owner, r.alg) not in waiting]
    return sorted((k for k in found if k.due_at <= horizon), key=lambda k: k.due_at)


def department_of(owner: str) -> str | None:
    """``dept:<code>`` -> code; the provider's keys belong to no department."""
    return owner[5:] if owner.startswith("dept:") else None
