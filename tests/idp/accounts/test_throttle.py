import os
import secrets

import pytest

from idp.errors import TooManyAttempts
from idp.throttle import Policy, Throttle
from idp.throttle_stores import MemoryStore, RedisStore, SqlStore
from tests.conftest import unavailable


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


def _throttle(store):
    clock = Clock()
    return Throttle(store, clock=clock), clock


def _fail(throttle, login, times, address="198.51.100.7"):
    for _ in range(times):
        throttle.failed(login, address)


def test_policy_delays_grow_then_lock():
    policy = Policy()
    assert [policy.locked_until(n, 0) for n in range(1, 3)] == [None, None]
    assert [policy.locked_until(n, 0) for n in range(3, 10)] == [1, 2, 4, 8, 16, 32, 64]
    assert policy.locked_until(10, 0) == 900


def _exercise(store):
    throttle, clock = _throttle(store)
    login = f"user-{secrets.token_hex(4)}"
    _fail(throttle, login, 2)
    throttle.check(login, "198.51.100.7")
    _fail(throttle, login, 2)  # 4th failure: wait 2 s
    with pytest.raises(TooManyAttempts) as exc:
        throttle.check(login, "198.51.100.7")
    assert exc.value.retry_after == 2
    clock.now += 2
    throttle.check(login, "198.51.100.7")
    _fail(throttle, login, 6)  # 10th failure: locked 15 minutes
    clock.now += 899
    with pytest.raises(TooManyAttempts):
        throttle.check(login, "203.0.113.9")  # another IP does not help
    clock.now += 2
    throttle.check(login, "203.0.113.9")


def test_memory_store():
    _exercise(MemoryStore())


def test_database_store(app):
    _exercise(SqlStore(app.extensions["onegate.sessions"]))


def test_redis_store():
    import redis

    client = redis.Redis.from_url(os.environ.get("ONEGATE_TEST_REDIS", "redis://127.0.0.1:6379/15"),
                                  socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable(f"Redis is not reachable ({exc})")
    prefix = f"onegate-test:{secrets.token_hex(6)}:"
    try:
        _exercise(RedisStore(client, prefix=prefix))
    finally:
        keys = list(client.scan_iter(prefix + "*"))
        if keys:
            client.delete(*keys)


def test_success_resets_the_login_but_not_the_address():
    throttle, _ = _throttle(MemoryStore())
    throttle.ip_policy = Policy(free_failures=3, lock_after=10)
    _fail(throttle, "alice", 3)
    throttle.succeeded("alice")
    with pytest.raises(TooManyAttempts):
        throttle.check("bob", "198.51.100.7")


def test_unknown_and_known_logins_are_throttled_alike(app, client, unique):
    from tests.idp.accounts.factories import login, make_person

    person = make_person(app, unique)
    answers = []
    for name in (person["username"], f"nobody{unique}"):
        responses = [login(client, name, "wrong password!") for _ in range(4)]
        answers.append([(r.status_code, _message(r)) for r in responses])
    assert answers[0] == answers[1]
    assert [status for status, _ in answers[0]] == [401, 401, 401, 429]


def _message(response) -> str:
    import re

    return re.search(r'role="alert"[^>]*>([^<]+)<', response.get_data(as_text=True)).group(1)
