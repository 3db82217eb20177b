"""Fixed-window rate limits: Redis INCR/EXPIRE when configured (shared by every
worker), an in-process counter otherwise."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


class FixedWindow:
    """At most ``limit`` hits per ``window`` seconds per key."""

    def __init__(self, limit: int, window: int, redis: Any = None,
                 clock: Callable[[], float] = time.time, prefix: str = "onegate:rl:verify:"
                 ) -> None:
        self.limit, self.window, self.redis, self.clock, self.prefix = (
            limit, window, redis, clock, prefix)
        self._counts: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        """Count one hit; raises RateLimited when over the limit."""
        now = self.clock()
        start = int(now // self.window) * self.window
        count = self._redis_hit(key, start) if self.redis is not None else None
        if count is None:
            count = self._memory_hit(key, start)
        if count > self.limit:
            raise RateLimited(max(1, int(start + self.window - now + 0.999)))

    def _redis_hit(self, key: str, start: int) -> int | None:
        name = f"{self.prefix}{key}:{start}"
        try:
            pipe = self.redis.pipeline()
            pipe.incr(name)
            pipe.expire(name, self.window + 1)
            return int(pipe.execute()[0])
        except Exception:  # noqa: BLE001 - Redis down: limit per process rather than not at all
            return None

    def _memory_hit(self, key: str, start: int) -> int:
        with self._lock:
            window, count = self._counts.get(key, (start, 0))
            count = count + 1 if window == start else 1
            self._counts[key] = (start, count)
            if len(self._counts) > 100_000:
                self._counts = {k: v for k, v in self._counts.items() if v[0] == start}
            return count
