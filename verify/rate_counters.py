"""The database's rate-limit counter (verify.ratelimit.Counter) for when there is no
Redis: one row per key, counted with a single atomic upsert that returns the new count
(``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``, on SQLite and PostgreSQL alike),
so concurrent workers never read-then-write past each other."""

from __future__ import annotations

import hashlib
import threading

from sqlalchemy import case, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from verify.models import RateCounter
from verify.ratelimit import Unavailable

MAX_KEY = 128
#: Every this many hits (per process), rows of windows long gone are deleted.
PRUNE_EVERY = 1000


class SqlCounter:
    """Counts in ``verify_rate_counters``, each hit in its own short transaction (the
    count must stay even when the request it belongs to fails)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._hits = 0
        self._lock = threading.Lock()

    def incr(self, key: str, window_start: int, window: int, amount: int = 1) -> int:
        """Raises Unavailable when the database cannot be written."""
        try:
            with self._sessions.begin() as session:
                hits = session.execute(_upsert(session, _short(key), window_start,
                                               int(amount))).scalar_one()
                if self._prune_due():
                    session.execute(delete(RateCounter)
                                    .where(RateCounter.window_start < window_start - window))
                return int(hits)
        except SQLAlchemyError as exc:
            raise Unavailable() from exc

    def _prune_due(self) -> bool:
        with self._lock:
            self._hits += 1
            return self._hits % PRUNE_EVERY == 0


def _upsert(session: Session, key: str, window_start: int, amount: int = 1):
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(RateCounter).values(key=key, window_start=window_start, hits=amount)
    # Both SET expressions read the row as it was: a new window restarts at ``amount``.
    return statement.on_conflict_do_update(
        index_elements=[RateCounter.key],
        set_={"hits": case((RateCounter.window_start == window_start,
                            RateCounter.hits + amount), else_=amount),
              "window_start": window_start},
    ).returning(RateCounter.hits)


def _short(key: str) -> str:
    if len(key) <= MAX_KEY:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()
