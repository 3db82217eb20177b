"""Rotation on a schedule: one owner's period, and when its next key is due.

A schedule says "new keys for ``owner`` every ``every``, published ``prepublish``
before they sign": one for each algorithm the owner has an active key of (a department
signs with ES256 only; the provider signs tokens with several).
``next_rotation_at`` is when the next keys are to be *created* (published), so they
start signing ``prepublish`` later, at the end of the active keys' period.
Pure: the SQL store is keys.sql_schedules; the housekeeping job
(admin.housekeeping) calls ``run_due`` when it runs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from keys import rotation
from keys.owners import check_owner

#: Shortest period accepted: a key every few minutes would flood every JWKS cache.
MIN_PERIOD = timedelta(days=1)


@dataclass(slots=True)
class RotationSchedule:
    """One owner's rotation period (one schedule per owner, for all its algorithms)."""

    owner: str
    every: timedelta
    prepublish: timedelta
    next_rotation_at: datetime
    last_rotated_at: datetime | None = None

    def copy(self) -> RotationSchedule:
        """A copy sharing no mutable state."""
        return dataclasses.replace(self)


class ScheduleStore(Protocol):
    """Persists RotationSchedules (one per owner); returns copies."""

    def put(self, schedule: RotationSchedule) -> None:
        """Insert or overwrite the owner's schedule."""
        ...

    def remove(self, owner: str) -> bool:
        """Delete the owner's schedule; whether there was one."""
        ...

    def get(self, owner: str) -> RotationSchedule | None:
        """The owner's schedule, or None."""
        ...

    def list_all(self) -> list[RotationSchedule]:
        """Every schedule, by owner."""
        ...


def check_period(every: timedelta, prepublish: timedelta) -> None:
    """Raises ValueError unless ``every`` >= MIN_PERIOD and 0 <= ``prepublish`` < ``every``."""
    if every < MIN_PERIOD:
        raise ValueError(f"the rotation period must be at least {MIN_PERIOD.days} day")
    if prepublish < timedelta(0) or prepublish >= every:
        raise ValueError("the pre-publication time must be at least 0 and shorter than "
                         "the rotation period")


def first_rotation(active_since: datetime | None, every: timedelta, prepublish: timedelta,
                   now: datetime) -> datetime:
    """When to publish the first scheduled key: ``prepublish`` before the active key
    (signing since ``active_since``) has served ``every``; at once if that is past."""
    if active_since is None:
        return now
    return max(now, active_since + every - prepublish)


def new_schedule(owner: str, every: timedelta, prepublish: timedelta,
                 active_since: datetime | None, now: datetime) -> RotationSchedule:
    """A checked schedule; raises ValueError (owner, period, pre-publication time)."""
    check_owner(owner)
    check_period(every, prepublish)
    return RotationSchedule(owner=owner, every=every, prepublish=prepublish,
                            next_rotation_at=first_rotation(active_since, every,
                                                            prepublish, now))


def is_due(schedule: RotationSchedule, now: datetime) -> bool:
    """Whether the schedule's next key is to be published by ``now``."""
    return schedule.next_rotation_at <= now


class Rotates(Protocol):
    """What ``run_due`` needs of the key ring (KeyRing)."""

    def rotate(self, owner: str, alg: str, prepublish: timedelta): ...

    def records(self, owner: str | None = None) -> list: ...


def run_due(ring: Rotates, store: ScheduleStore, now: datetime,
            on_rotated: Callable[[RotationSchedule, str], None] | None = None
            ) -> list[tuple[str, str]]:
    """Publish new keys for each due schedule (one per algorithm the owner has an
    active key of) and move it one period on; returns (owner, new kid) pairs. The
    next rotation is due ``every`` after the new keys start signing, less
    ``prepublish``. Raises what the ring and store raise."""
    done = []
    for schedule in store.list_all():
        if not is_due(schedule, now):
            continue
        for alg in signing_algs(ring.records(schedule.owner)):
            record = ring.rotate(schedule.owner, alg, schedule.prepublish)
            done.append((schedule.owner, record.kid))
            if on_rotated is not None:
                on_rotated(schedule, record.kid)
        schedule.last_rotated_at = now
        schedule.next_rotation_at = now + schedule.every
        store.put(schedule)
    return done


def signing_algs(records: list) -> list[str]:
    """The algorithms an owner has an active key of, sorted."""
    return sorted({r.alg for r in records if r.state == "active"})


def active_since(records: list) -> datetime | None:
    """When the owner's oldest current signer started signing (None: it has none)."""
    starts = [rotation.current_active(records, alg) for alg in signing_algs(records)]
    return min((r.activates_at for r in starts if r is not None), default=None)
