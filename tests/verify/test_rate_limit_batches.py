"""Batched settling of the verification rate limit (verify.ratelimit.FixedWindow with
batch > 1): the first hit of a window always reaches the shared counter, hits are
settled ``batch`` at a time and one by one near the limit, so W workers admit at most
``limit + W * (batch - 1)`` hits per window; a store that fails still fails closed;
the local state is bounded."""

from __future__ import annotations

import os
import secrets

import pytest

from tests.conftest import redis_or_unavailable
from verify.rate_counters import SqlCounter
from verify.ratelimit import (
    FixedWindow,
    MemoryCounter,
    RateLimited,
    RedisCounter,
    Unavailable,
    batch_for,
)

REDIS_URL = os.environ.get("ONEGATE_TEST_REDIS", "redis://127.0.0.1:6379/12")


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Counting(MemoryCounter):
    """The shared store, counting its round trips."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def incr(self, key, window_start, window, amount=1):
        self.calls += 1
        return super().incr(key, window_start, window, amount)


class Down:
    def incr(self, key, window_start, window, amount=1):
        raise Unavailable()


def test_batch_sizes():
    assert [batch_for(n) for n in (1, 3, 63, 64, 120, 3200, 10**9)] == [1, 1, 1, 2, 3, 64, 64]


def _admitted(limiter: FixedWindow, key: str) -> bool:
    try:
        limiter.hit(key)
        return True
    except RateLimited:
        return False


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_workers_admit_at_most_limit_plus_their_unsettled_batches(workers):
    limit, batch, store, clock = 320, 10, Counting(), Clock()
    pool = [FixedWindow(limit, 60, store, clock=clock, batch=batch) for _ in range(workers)]
    admitted = sum(_admitted(pool[i % workers], "ip") for i in range(3 * limit))
    assert limit <= admitted <= limit + workers * (batch - 1)
    # Far fewer round trips than hits, but every refused hit was settled one by one.
    assert store.calls < 3 * limit


def test_the_first_hit_settles_and_a_down_store_fails_closed_at_once():
    store = Counting()
    limiter = FixedWindow(10**6, 60, store, batch=64)
    limiter.hit("a")
    assert store.calls == 1
    limiter.hit("a")
    assert store.calls == 1  # settled later, in a batch
    with pytest.raises(Unavailable):
        FixedWindow(10**6, 60, Down(), batch=64).hit("b")


def test_pending_hits_settle_in_batches_and_after_settle_every_seconds():
    store, clock = Counting(), Clock()
    limiter = FixedWindow(10**6, 60, store, clock=clock, batch=5, settle_every=1.0)
    for _ in range(11):
        limiter.hit("k")
    assert store.calls == 3 and store.incr("k", int(clock.now // 60) * 60, 60, 0) == 11
    limiter.hit("k")
    assert store.calls == 4  # the probe above
    clock.now += 1.5
    limiter.hit("k")
    assert store.calls == 5  # a second passed: settled at once


def test_unsettled_hits_survive_a_failed_settle():
    class Flaky(MemoryCounter):
        fail = False

        def incr(self, key, window_start, window, amount=1):
            if self.fail:
                raise Unavailable()
            return super().incr(key, window_start, window, amount)

    store, clock = Flaky(), Clock(60.0)
    limiter = FixedWindow(10**6, 60, store, clock=clock, batch=4)
    for _ in range(4):
        limiter.hit("k")  # 1 settled, 3 pending
    store.fail = True
    with pytest.raises(Unavailable):
        limiter.hit("k")  # the 5th would settle 4
    store.fail = False
    limiter.hit("k")  # the 4 kept, and this one: settled together
    assert store.incr("k", 60, 60, 0) == 6


def test_near_the_limit_every_hit_is_exact():
    store, clock = Counting(), Clock()
    other = FixedWindow(200, 60, store, clock=clock, batch=1)
    for _ in range(195):
        other.hit("ip")  # another worker used most of the budget
    limiter = FixedWindow(200, 60, store, clock=clock, batch=6)
    admitted = sum(_admitted(limiter, "ip") for _ in range(10))
    assert admitted == 5


def test_a_new_window_starts_from_the_store():
    store, clock = Counting(), Clock(60.0)
    limiter = FixedWindow(100, 60, store, clock=clock, batch=3)
    for _ in range(100):
        limiter.hit("k")
    with pytest.raises(RateLimited):
        limiter.hit("k")
    clock.now += 60
    calls = store.calls
    limiter.hit("k")
    assert store.calls == calls + 1


def test_local_state_is_bounded():
    limiter = FixedWindow(10**6, 60, MemoryCounter(), batch=8, max_keys=3)
    for i in range(50):
        limiter.hit(f"ip{i}")
    assert len(limiter._local) == 3


def test_redis_and_database_counters_add_amounts(app):
    client = redis_or_unavailable(REDIS_URL)
    try:
        counter = RedisCounter(client, prefix=f"test:rl:{secrets.token_hex(4)}:")
        assert counter.incr("k", 0, 60, 5) == 5 and counter.incr("k", 0, 60) == 6
    finally:
        client.close()
    sql = SqlCounter(app.services.sessions)
    key = "batch|" + secrets.token_hex(4)
    assert sql.incr(key, 60, 60, 7) == 7 and sql.incr(key, 60, 60) == 8
    assert sql.incr(key, 120, 60, 3) == 3  # a new window restarts at the amount
