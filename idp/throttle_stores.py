"""The three ``ThrottleStore`` implementations: memory, Redis, database.

Each counts an attempt in one atomic step that also decides whether it is admitted
(refused while the key waits, else counted and the next wait set from the policy),
so concurrent attempts can never read the same count and all pass.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import ColumnElement, and_, case, delete, false, func, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from idp.models.login_throttle import LoginThrottle
from idp.throttle import Hit, Policy, StoreUnavailable


class MemoryStore:
    """One process only: for unit tests."""

    def __init__(self) -> None:
        self._rows: dict[str, tuple[int, float, float]] = {}
        self._lock = threading.Lock()

    def peek(self, keys: Sequence[str], now: float) -> float:
        with self._lock:
            return max((self._rows.get(k, (0, 0.0, 0.0))[2] for k in keys), default=0.0)

    def hit(self, key: str, policy: Policy, now: float) -> Hit:
        with self._lock:
            attempts, expires, until = self._rows.get(key, (0, 0.0, 0.0))
            if until > now:
                return Hit(False, attempts, until)
            if expires <= now:
                attempts, expires = 0, now + policy.window_seconds
            attempts += 1
            until = _until_after(policy.wait(attempts), now)
            self._rows[key] = (attempts, expires, until)
            return Hit(True, attempts, until)

    def refund(self, key: str) -> None:
        with self._lock:
            if key in self._rows:
                attempts, expires, until = self._rows[key]
                self._rows[key] = (max(0, attempts - 1), expires, until)

    def reset(self, keys: Sequence[str]) -> None:
        with self._lock:
            for key in keys:
                self._rows.pop(key, None)

    def reset_prefix(self, prefix: str) -> None:
        with self._lock:
            for key in [k for k in self._rows if k.startswith(prefix)]:
                del self._rows[key]


# KEYS[1]: the counter (a hash of n, exp, until); ARGV: now, window, then the
# policy's (from attempts, wait) steps. Returns {admitted, attempts, until}; floats
# travel as strings because Redis truncates Lua numbers in replies to integers.
_HIT = """
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local row = redis.call('HMGET', KEYS[1], 'n', 'exp', 'until')
local n, exp, untl = tonumber(row[1]) or 0, tonumber(row[2]) or 0, tonumber(row[3]) or 0
if untl > now then
  return {0, n, tostring(untl)}
end
if exp <= now then
  n, exp = 0, now + window
end
n = n + 1
local wait = 0
for i = 3, #ARGV, 2 do
  if n >= tonumber(ARGV[i]) then wait = tonumber(ARGV[i + 1]) end
end
-- No wait is 0, not now: a request stamped a moment earlier must not be refused.
untl = 0
if wait > 0 then untl = now + wait end
redis.call('HSET', KEYS[1], 'n', n, 'exp', tostring(exp), 'until', tostring(untl))
redis.call('PEXPIRE', KEYS[1], math.ceil((math.max(exp, untl) - now) * 1000) + 1000)
return {1, n, tostring(untl)}
"""


_REFUND = """
if (tonumber(redis.call('HGET', KEYS[1], 'n')) or 0) > 0 then
  redis.call('HINCRBY', KEYS[1], 'n', -1)
end
"""


class RedisStore:
    """Shared by every worker: one Lua script per attempt (atomic in Redis)."""

    def __init__(self, redis, prefix: str = "onegate:throttle:") -> None:
        self.redis, self.prefix = redis, prefix
        self._hit = redis.register_script(_HIT)
        self._refund = redis.register_script(_REFUND)

    def peek(self, keys: Sequence[str], now: float) -> float:
        with _unavailable_on_redis_error():
            pipe = self.redis.pipeline(transaction=False)
            for key in keys:
                pipe.hget(self.prefix + key, "until")
            return max((float(v) for v in pipe.execute() if v), default=0.0)

    def hit(self, key: str, policy: Policy, now: float) -> Hit:
        args = [repr(now), policy.window_seconds]
        for attempts, wait in policy.steps():
            args += [attempts, wait]
        with _unavailable_on_redis_error():
            admitted, attempts, until = self._hit(keys=[self.prefix + key], args=args)
        return Hit(bool(admitted), int(attempts), float(until))

    def refund(self, key: str) -> None:
        with _unavailable_on_redis_error():
            self._refund(keys=[self.prefix + key])

    def reset(self, keys: Sequence[str]) -> None:
        with _unavailable_on_redis_error():
            self.redis.delete(*[self.prefix + k for k in keys])

    def reset_prefix(self, prefix: str) -> None:
        with _unavailable_on_redis_error():
            names = list(self.redis.scan_iter(match=self.prefix + prefix + "*", count=1000))
            if names:
                self.redis.delete(*names)


@contextmanager
def _unavailable_on_redis_error() -> Iterator[None]:
    """Redis down, timing out or refusing: StoreUnavailable (the throttle fails closed)."""
    from redis.exceptions import RedisError

    try:
        yield
    except RedisError as exc:
        raise StoreUnavailable(str(exc)) from exc


class SqlStore:
    """The fallback without Redis: one row per key in ``idp_login_throttle``, counted
    by one INSERT ... ON CONFLICT DO UPDATE ... RETURNING (SQLite ignores
    ``SELECT ... FOR UPDATE``, so a read-then-write would race there)."""

    #: One hit in this many also deletes rows whose window and wait are over.
    SWEEP_ONE_IN = 256

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def peek(self, keys: Sequence[str], now: float) -> float:
        with self.sessions() as session:
            until = session.scalar(select(func.max(LoginThrottle.locked_until))
                                   .where(LoginThrottle.key.in_(list(keys))))
        return float(until or 0.0)

    def hit(self, key: str, policy: Policy, now: float) -> Hit:
        with self.sessions.begin() as session:
            row = session.execute(_upsert(session, key, policy, now)).one()
            if secrets.randbelow(self.SWEEP_ONE_IN) == 0:
                session.execute(delete(LoginThrottle).where(
                    LoginThrottle.expires_at < now, LoginThrottle.locked_until < now))
        return Hit(bool(row.admitted), int(row.attempts), float(row.locked_until))

    def refund(self, key: str) -> None:
        with self.sessions.begin() as session:
            session.execute(update(LoginThrottle)
                            .where(LoginThrottle.key == key, LoginThrottle.attempts > 0)
                            .values(attempts=LoginThrottle.attempts - 1))

    def reset(self, keys: Sequence[str]) -> None:
        with self.sessions.begin() as session:
            session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(list(keys))))

    def reset_prefix(self, prefix: str) -> None:
        with self.sessions.begin() as session:
            session.execute(delete(LoginThrottle).where(LoginThrottle.key.startswith(prefix)))


def _upsert(session: Session, key: str, policy: Policy, now: float):
    """The one statement that counts an attempt; every branch reads the row as it
    was before this statement (SET expressions see the old values)."""
    table = LoginThrottle.__table__
    waiting = table.c.locked_until > now
    expired = table.c.expires_at <= now
    counted = case((expired, 1), else_=table.c.attempts + 1)
    insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql"
              else sqlite.insert)(table)
    statement = insert.values(key=key, attempts=1, expires_at=now + policy.window_seconds,
                              locked_until=_until_after(policy.wait(1), now), admitted=True)
    return statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "attempts": case((waiting, table.c.attempts), else_=counted),
            "expires_at": case((and_(~waiting, expired), now + policy.window_seconds),
                               else_=table.c.expires_at),
            "locked_until": case((waiting, table.c.locked_until),
                                 else_=_until(counted, policy, now)),
            "admitted": case((waiting, false()), else_=true()),
        },
    ).returning(table.c.attempts, table.c.locked_until, table.c.admitted)


def _until(attempts: ColumnElement, policy: Policy, now: float) -> ColumnElement:
    """``_until_after(policy.wait(attempts), now)`` as SQL: the steps, latest first."""
    return case(*[(attempts >= n, _until_after(wait, now))
                  for n, wait in reversed(policy.steps())], else_=0.0)


def _until_after(wait: int, now: float) -> float:
    """The instant a key may be used again; 0 when it need not wait at all, so that
    a concurrent request stamped a moment before ``now`` is not refused."""
    return now + wait if wait > 0 else 0.0
