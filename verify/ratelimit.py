"""Fixed-window rate limits shared by every worker.

The count lives where every worker sees it: Redis when ONEGATE_REDIS_URL is set (one
Lua script: INCR, and EXPIRE on the window's first hit, atomically), the database
otherwise (one upsert, verify.rate_counters). Never per-process memory in the
service: with several workers that would multiply the limit.

When the shared store cannot be reached the limiter fails closed: ``Unavailable``
(503 with Retry-After), never an unlimited pass and never a 500.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from redis.exceptions import RedisError

#: Seconds a client is asked to wait when the counter store is unreachable.
UNAVAILABLE_RETRY_AFTER = 5


class RateLimited(Exception):
    """Over the limit; ``retry_after`` seconds until the window ends."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


class Unavailable(Exception):
    """The shared counter store cannot be reached: refuse rather than not count."""

    def __init__(self, retry_after: int = UNAVAILABLE_RETRY_AFTER) -> None:
        super().__init__(f"rate-limit store unavailable; retry after {retry_after}s")
        self.retry_after = retry_after


class Counter(Protocol):
    def incr(self, key: str, window_start: int, window: int) -> int:
        """Count one hit of ``key`` in the window starting at ``window_start``, atomically
        across every worker; return the hits so far. Raises Unavailable."""
        ...


class FixedWindow:
    """At most ``limit`` hits per ``window`` seconds per key, counted by ``counter``."""

    def __init__(self, limit: int, window: int, counter: Counter,
                 clock: Callable[[], float] = time.time) -> None:
        self.limit, self.window, self.counter, self.clock = limit, window, counter, clock

    def hit(self, key: str) -> None:
        """Count one hit; raises RateLimited when over the limit, Unavailable when the
        counter store cannot be reached."""
        now = self.clock()
        start = int(now // self.window) * self.window
        if self.counter.incr(key, start, self.window) > self.limit:
            raise RateLimited(max(1, int(start + self.window - now + 0.999)))


# Atomic in Redis: a script runs alone. The expiry is set once, on the first hit, so
# a busy key's window still ends on time.
_INCR_SCRIPT = """
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return hits
"""


class RedisCounter:
    """One Redis key per (key, window), expiring one second after the window."""

    def __init__(self, redis: Any, prefix: str = "onegate:rl:verify:") -> None:
        self.redis, self.prefix = redis, prefix
        self._script = redis.register_script(_INCR_SCRIPT)

    def incr(self, key: str, window_start: int, window: int) -> int:
        try:
            return int(self._script(keys=[f"{self.prefix}{key}:{window_start}"],
                                    args=[window + 1]))
        except (RedisError, OSError) as exc:  # down, timing out, refusing: fail closed
            raise Unavailable() from exc


class MemoryCounter:
    """One process only: the in-memory fake for unit tests, never the service's."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def incr(self, key: str, window_start: int, window: int) -> int:
        with self._lock:
            start, hits = self._counts.get(key, (window_start, 0))
            hits = hits + 1 if start == window_start else 1
            self._counts[key] = (window_start, hits)
            return hits
