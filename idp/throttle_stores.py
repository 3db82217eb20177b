"""The three ``ThrottleStore`` implementations: memory, Redis, database."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from idp.models.base import utcnow
from idp.models.login_throttle import LoginThrottle
from idp.throttle import Policy, State


class MemoryStore:
    """One process only: for unit tests."""

    def __init__(self) -> None:
        self._rows: dict[str, tuple[int, float | None, float]] = {}

    def get(self, key: str) -> State:
        failures, until, _ = self._rows.get(key, (0, None, 0.0))
        return State(failures, until)

    def record_failure(self, key: str, policy: Policy, now: float) -> State:
        failures, _, last = self._rows.get(key, (0, None, now))
        failures = 1 if now - last > policy.window_seconds else failures + 1
        until = policy.locked_until(failures, now)
        self._rows[key] = (failures, until, now)
        return State(failures, until)

    def reset(self, key: str) -> None:
        self._rows.pop(key, None)


class RedisStore:
    """Shared by every worker: INCR and EXPIRE in one MULTI, then the lock instant."""

    def __init__(self, redis, prefix: str = "onegate:throttle:") -> None:
        self.redis, self.prefix = redis, prefix

    def get(self, key: str) -> State:
        failures, until = self.redis.mget(self._n(key), self._u(key))
        return State(int(failures or 0), float(until) if until else None)

    def record_failure(self, key: str, policy: Policy, now: float) -> State:
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(self._n(key))
            pipe.expire(self._n(key), policy.window_seconds)
            failures = int(pipe.execute()[0])
        until = policy.locked_until(failures, now)
        if until is not None:
            self.redis.set(self._u(key), repr(until), ex=max(1, int(until - now + 1)))
        return State(failures, until)

    def reset(self, key: str) -> None:
        self.redis.delete(self._n(key), self._u(key))

    def _n(self, key: str) -> str:
        return f"{self.prefix}{key}:n"

    def _u(self, key: str) -> str:
        return f"{self.prefix}{key}:until"


class SqlStore:
    """The fallback without Redis: one row per key in ``idp_login_throttle``."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def get(self, key: str) -> State:
        with self.sessions() as session:
            row = session.get(LoginThrottle, key)
            if row is None:
                return State()
            return State(row.failures, row.locked_until.timestamp() if row.locked_until else None)

    def record_failure(self, key: str, policy: Policy, now: float) -> State:
        try:
            return self._increment(key, policy, now)
        except IntegrityError:  # two workers created the row at once: count on it
            return self._increment(key, policy, now)

    def _increment(self, key: str, policy: Policy, now: float) -> State:
        with self.sessions.begin() as session:
            row = session.get(LoginThrottle, key, with_for_update=True)
            if row is None:
                row = LoginThrottle(key=key, failures=0, updated_at=utcnow())
                session.add(row)
            elif now - row.updated_at.timestamp() > policy.window_seconds:
                row.failures = 0
            row.failures += 1
            until = policy.locked_until(row.failures, now)
            row.locked_until = datetime.fromtimestamp(until, UTC) if until else None
            row.updated_at = datetime.fromtimestamp(now, UTC)
            return State(row.failures, until)

    def reset(self, key: str) -> None:
        with self.sessions.begin() as session:
            session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))
