"""``idp.user_code_guard`` on each throttle store (memory, database, Redis): wrong
codes spend the session's and the address's budgets, right ones give theirs back,
the window ends on time, and an unreachable store refuses."""

from __future__ import annotations

import os
import secrets

import pytest

from idp.errors import ThrottleUnavailable, TooManyAttempts
from idp.throttle import StoreUnavailable
from idp.throttle_stores import MemoryStore, RedisStore, SqlStore
from idp.user_code_guard import WINDOW, UserCodeGuard
from tests.conftest import redis_or_unavailable

REDIS_URL = os.environ.get("ONEGATE_TEST_REDIS", "redis://127.0.0.1:6379/15")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "database", "redis"])
def store(request):
    if request.param == "memory":
        yield MemoryStore()
    elif request.param == "database":
        yield SqlStore(request.getfixturevalue("app").services.sessions)
    else:
        client = redis_or_unavailable(REDIS_URL)
        prefix = f"onegate-test:{secrets.token_hex(6)}:"
        yield RedisStore(client, prefix=prefix)
        keys = list(client.scan_iter(prefix + "*"))
        if keys:
            client.delete(*keys)
        client.close()


def _guard(store, attempts=3):
    clock = FakeClock()
    return UserCodeGuard(store, attempts, clock=clock), clock


def _wrong(guard, sid, address, times):
    for _ in range(times):
        guard.admit(sid, address)


def test_wrong_codes_lock_the_session_until_the_window_ends(store):
    guard, clock = _guard(store)
    sid, address = secrets.token_hex(8), f"10.1.{secrets.randbelow(250)}.1"
    _wrong(guard, sid, address, 3)
    with pytest.raises(TooManyAttempts) as refused:
        guard.admit(sid, address)
    assert 0 < refused.value.retry_after <= WINDOW
    guard.admit(secrets.token_hex(8), address)  # another session at the address goes on
    clock.now += WINDOW + 1
    guard.admit(sid, address)


def test_right_codes_give_their_guess_back(store):
    guard, _ = _guard(store)
    sid, address = secrets.token_hex(8), f"10.2.{secrets.randbelow(250)}.1"
    for _ in range(10):
        guard.admit(sid, address)
        guard.found(sid, address)
    _wrong(guard, sid, address, 3)
    with pytest.raises(TooManyAttempts):
        guard.admit(sid, address)


def test_the_address_budget_is_five_sessions_worth(store):
    guard, _ = _guard(store, attempts=2)
    address = f"10.3.{secrets.randbelow(250)}.1"
    for _ in range(5):
        _wrong(guard, secrets.token_hex(8), address, 2)
    with pytest.raises(TooManyAttempts):
        guard.admit(secrets.token_hex(8), address)


class DownStore(MemoryStore):
    def peek(self, keys, now):
        raise StoreUnavailable("down")


def test_an_unreachable_store_refuses():
    guard, _ = _guard(DownStore())
    with pytest.raises(ThrottleUnavailable):
        guard.admit("sid", "10.0.0.1")


def test_the_page_says_so_when_codes_cannot_be_counted(app, monkeypatch, unique):
    from tests.idp.device.helpers import signed_in_phone

    phone = app.test_client()
    phone.environ_base["REMOTE_ADDR"] = f"10.4.{secrets.randbelow(250)}.1"
    signed_in_phone(app, phone, unique)

    def down(self, sid, address):
        raise ThrottleUnavailable(30)

    monkeypatch.setattr(UserCodeGuard, "admit", down)
    page = phone.get("/device", query_string={"user_code": "BCDF-GHJK"})
    assert page.status_code == 503 and page.headers["Retry-After"] == "30"
    assert "暂时无法核对代码" in page.get_data(as_text=True)
