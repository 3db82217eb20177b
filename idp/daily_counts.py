"""Counting events per China-time day in one atomic upsert (``idp_daily_counts``).

Used for what leaves no row of its own: failed logins (``login.credentials``: unknown
name or wrong password; ``login.throttled``: refused by the throttle;
``login.second_factor``: wrong or replayed code). Incremented in the caller's
transaction, one ``INSERT ... ON CONFLICT DO UPDATE`` (no read, no lost update
between workers).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from edge.timestamps import utcnow
from idp.models.daily_counts import DailyCount

CHINA = timedelta(hours=8)
LOGIN_CREDENTIALS = "login.credentials"
LOGIN_THROTTLED = "login.throttled"
LOGIN_SECOND_FACTOR = "login.second_factor"


def china_day(at: datetime | None = None) -> str:
    return ((at or utcnow()) + CHINA).date().isoformat()


def count(session: Session, name: str, at: datetime | None = None) -> None:
    """Add one to ``name`` for today (China time)."""
    insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql"
              else sqlite.insert)(DailyCount.__table__)
    statement = insert.values(day=china_day(at), name=name, count=1)
    session.execute(statement.on_conflict_do_update(
        index_elements=["day", "name"], set_={"count": DailyCount.count + 1}))


def counts_since(session: Session, first_day: str) -> list[tuple[str, str, int]]:
    """(name, day, count) rows from ``first_day`` on."""
    rows = session.execute(select(DailyCount.name, DailyCount.day, DailyCount.count)
                           .where(DailyCount.day >= first_day))
    return [(name, day, int(n)) for name, day, n in rows]


def totals(session: Session) -> dict[str, int]:
    """Every counter summed over all days."""
    from sqlalchemy import func

    rows = session.execute(select(DailyCount.name, func.sum(DailyCount.count))
                           .group_by(DailyCount.name))
    return {name: int(n or 0) for name, n in rows}
