"""Deleting rows that have served their time, in small batches.

A package declares what of its own tables may go (a ``Sweep``: a kind name, the
model and a condition built from the current time); the housekeeping job
(admin.housekeeping) runs them. Each batch is one short transaction deleting at most
``batch`` rows chosen by primary key, so no table is locked for long and an
interrupted run loses nothing but time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, inspect, select
from sqlalchemy.orm import Session, sessionmaker


@dataclass(frozen=True)
class Sweep:
    """Rows of ``model`` matching ``where(now)`` may be deleted; ``kind`` names them in
    logs and metrics."""

    kind: str
    model: Any
    where: Callable[[datetime], Any]


def sweep(sessions: sessionmaker[Session], job: Sweep, now: datetime, batch: int,
          max_batches: int | None = None) -> int:
    """Delete the rows ``job`` selects, ``batch`` at a time, each batch committed on its
    own; returns how many went. Stops after ``max_batches`` if given. Raises only
    database errors (the failing batch is rolled back)."""
    (key,) = inspect(job.model).primary_key  # every swept table has a one-column key
    deleted, batches = 0, 0
    while max_batches is None or batches < max_batches:
        chosen = select(key).where(job.where(now)).limit(batch).scalar_subquery()
        with sessions() as session, session.begin():
            count = session.execute(delete(job.model).where(key.in_(chosen))
                                    .execution_options(synchronize_session=False)).rowcount
        deleted, batches = deleted + count, batches + 1
        if count < batch:
            break
    return deleted
