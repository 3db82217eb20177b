"""A ScheduleStore (keys.schedule) on SQLAlchemy: one short session per call, like
keys.sql_store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from keys.models import KeyRotationScheduleRow
from keys.schedule import RotationSchedule
from keys.sql_store import _aware


def _to_schedule(row: KeyRotationScheduleRow) -> RotationSchedule:
    return RotationSchedule(owner=row.owner,
                            every=timedelta(seconds=row.every_seconds),
                            prepublish=timedelta(seconds=row.prepublish_seconds),
                            next_rotation_at=_aware(row.next_rotation_at),
                            last_rotated_at=_aware(row.last_rotated_at))


class SqlScheduleStore:
    """ScheduleStore over ``session_factory()`` (a ``sessionmaker``)."""

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._sessions = session_factory

    def put(self, schedule: RotationSchedule) -> None:
        """Insert or overwrite the owner's schedule; raises only database errors."""
        with self._sessions() as session:
            row = session.get(KeyRotationScheduleRow, schedule.owner)
            if row is None:
                row = KeyRotationScheduleRow(owner=schedule.owner)
                session.add(row)
            row.every_seconds = int(schedule.every.total_seconds())
            row.prepublish_seconds = int(schedule.prepublish.total_seconds())
            row.next_rotation_at = schedule.next_rotation_at
            row.last_rotated_at = schedule.last_rotated_at
            session.commit()

    def remove(self, owner: str) -> bool:
        """Delete the owner's schedule; whether there was one."""
        with self._sessions() as session:
            gone = session.execute(delete(KeyRotationScheduleRow)
                                   .where(KeyRotationScheduleRow.owner == owner)).rowcount
            session.commit()
            return bool(gone)

    def get(self, owner: str) -> RotationSchedule | None:
        """The owner's schedule, or None."""
        with self._sessions() as session:
            row = session.get(KeyRotationScheduleRow, owner)
            return _to_schedule(row) if row else None

    def list_all(self) -> list[RotationSchedule]:
        """Every schedule, by owner."""
        with self._sessions() as session:
            rows = session.scalars(select(KeyRotationScheduleRow)
                                   .order_by(KeyRotationScheduleRow.owner))
            return [_to_schedule(row) for row in rows]
