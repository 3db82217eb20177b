"""Rate limits on verification (API and page) and on the ``/v/...`` reference page,
shared by every worker: Redis when configured, the database otherwise; failing closed
(503 with Retry-After, never a 500 or an unlimited pass) when Redis is unreachable."""

from __future__ import annotations

import os
import re
import secrets
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from admin.app import create_app
from tests import conftest
from tests.conftest import redis_or_unavailable, start_server
from tests.verify.test_pages import _csrf
from verify.rate_counters import SqlCounter
from verify.ratelimit import FixedWindow, RateLimited, RedisCounter

REDIS_URL = os.environ.get("ONEGATE_TEST_REDIS", "redis://127.0.0.1:6379/6")
#: Nothing listens on port 1: connections are refused at once.
DEAD_REDIS_URL = "redis://127.0.0.1:1/6"
REFERENCE = "/v/1.2.156.3005.2.11100000000013338W009.11440000MB2C92100H.S1.001.2?t=abc"


def _redis():
    return redis_or_unavailable(REDIS_URL)


def _ip() -> str:
    """A client address of its own, so no other test's hits share the window."""
    return "10." + ".".join(str(secrets.randbelow(250) + 1) for _ in range(3))


@pytest.fixture
def limited_app(migrated, tmp_path):
    def build(**settings):
        app = create_app(conftest.test_settings(migrated, **{"VERIFY_RATE_LIMIT": 3, **settings}),
                         instance_path=tmp_path)
        built.append(app)
        return app

    built: list = []
    yield build
    for app in built:
        app.services.engine.dispose()


def _verify(client, ip: str):
    return client.post("/api/v1/verify", json={"credential": "x"},
                       environ_base={"REMOTE_ADDR": ip})


def test_api_limit_is_shared_by_app_instances_through_the_database(limited_app):
    first, second = limited_app().test_client(), limited_app().test_client()
    ip = _ip()
    codes = [_verify(client, ip).status_code for client in (first, second, first, second)]
    assert codes == [200, 200, 200, 429]
    refused = _verify(first, ip)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["type"].endswith("/api/v1/problems/rate-limited")
    assert _verify(second, _ip()).status_code == 200  # another address has its own budget


def test_reference_page_is_rate_limited_with_a_readable_page(limited_app):
    first, second = limited_app().test_client(), limited_app().test_client()
    ip = _ip()
    codes = [client.get(REFERENCE, environ_base={"REMOTE_ADDR": ip}).status_code
             for client in (first, second, first, second)]
    assert codes == [404, 404, 404, 429]
    refused = second.get(REFERENCE, environ_base={"REMOTE_ADDR": ip})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.mimetype == "text/html"
    html = refused.get_data(as_text=True)
    assert 'lang="zh-CN"' in html and "请求过于频繁" in html
    assert re.search(r"\d+ 秒", html)


def test_database_counter_is_atomic_under_concurrency(app):
    counter = SqlCounter(app.services.sessions)
    limiter = FixedWindow(10, 3600, counter)
    key = "test|" + secrets.token_hex(6)

    def one(_):
        try:
            limiter.hit(key)
            return True
        except RateLimited:
            return False

    with ThreadPoolExecutor(8) as pool:
        allowed = list(pool.map(one, range(24)))
    assert allowed.count(True) == 10


def test_redis_counts_across_limiter_instances():
    client = _redis()
    prefix = f"onegate:test:verifyrec:{secrets.token_hex(4)}:"
    first, second = (FixedWindow(2, 60, RedisCounter(client, prefix=prefix)) for _ in range(2))
    first.hit("k")
    second.hit("k")
    with pytest.raises(RateLimited):
        first.hit("k")
    keys = client.keys(prefix + "*")
    assert len(keys) == 1 and 0 < client.ttl(keys[0]) <= 61
    client.delete(*keys)


def test_unreachable_redis_fails_closed(limited_app):
    client = limited_app(REDIS_URL=DEAD_REDIS_URL, VERIFY_RATE_LIMIT=1000).test_client()
    ip = _ip()
    api = _verify(client, ip)
    assert api.status_code == 503 and int(api.headers["Retry-After"]) >= 1
    assert api.mimetype == "application/problem+json"
    assert api.get_json()["type"].endswith("/api/v1/problems/rate-limit-unavailable")
    for response in (client.get(REFERENCE, environ_base={"REMOTE_ADDR": ip}),
                     client.post("/verify", data={"credential": "x", "csrf_token": _csrf(client)},
                                 environ_base={"REMOTE_ADDR": ip})):
        assert response.status_code == 503 and int(response.headers["Retry-After"]) >= 1
        assert re.search(r"请在 \d+ 秒后再试", response.get_data(as_text=True))


def test_refusal_page_renders_when_the_key_store_is_down_too(limited_app, monkeypatch):
    """A database outage takes the rate counter and the pinned keys at once: the
    refusal still answers the readable 503 (once a 500 from its own handler), without
    the offline verifier whose keys it cannot read."""
    from sqlalchemy.exc import OperationalError

    from keys.ring import KeyRing

    def down(*args, **kwargs):
        raise OperationalError("SELECT", {}, ConnectionRefusedError("connection refused"))

    client = limited_app(REDIS_URL=DEAD_REDIS_URL, VERIFY_RATE_LIMIT=1000).test_client()
    monkeypatch.setattr(KeyRing, "jwks", down)
    response = client.get(REFERENCE, environ_base={"REMOTE_ADDR": _ip()})
    assert response.status_code == 503 and int(response.headers["Retry-After"]) >= 1
    html = response.get_data(as_text=True)
    assert re.search(r"请在 \d+ 秒后再试", html)
    assert 'id="verify-offline"' not in html and "offline.js" not in html
    monkeypatch.undo()
    # The store back: the refusal page carries the offline verifier again.
    again = client.get(REFERENCE, environ_base={"REMOTE_ADDR": _ip()})
    assert again.status_code == 503 and 'id="verify-offline"' in again.get_data(as_text=True)


# -- two workers ----------------------------------------------------------------------


@pytest.fixture(scope="module", params=["database", "redis"])
def two_workers(request, migrated, tmp_path_factory):
    """`onegate serve` with 2 workers, a limit of 5, counting in the database or Redis."""
    extra = {"VERIFY_RATE_LIMIT": 5, "VERIFY_RATE_WINDOW": 3600, "TRUSTED_PROXIES": 1}
    if request.param == "redis":
        _redis()
        extra["REDIS_URL"] = REDIS_URL
    server = start_server(migrated, tmp_path_factory.mktemp("rl"), **extra)
    server.counter = request.param
    yield server
    server.stop()


def _burst(send, n: int = 48) -> list[requests.Response]:
    with ThreadPoolExecutor(24) as pool:
        return list(pool.map(lambda _: send(), range(n)))


def test_limit_holds_across_two_workers(two_workers):
    ip = _ip()
    headers = {"X-Forwarded-For": ip}
    api = _burst(lambda: requests.post(two_workers.url + "/api/v1/verify",
                                       json={"credential": "x"}, headers=headers, timeout=30))
    assert sorted(r.status_code for r in api) == [200] * 5 + [429] * 43
    assert all(int(r.headers["Retry-After"]) >= 1 for r in api if r.status_code == 429)
    pages = _burst(lambda: requests.get(two_workers.url + REFERENCE, headers=headers,
                                        timeout=30))
    assert sorted(r.status_code for r in pages) == [404] * 5 + [429] * 43
    assert all("请求过于频繁" in r.text for r in pages if r.status_code == 429)
    if two_workers.counter == "redis":  # counted in Redis, not in the database
        assert len(_redis().keys(f"onegate:rl:verify:*|{ip}:*")) == 2


def test_a_bad_token_does_not_escape_the_limit(limited_app):
    client, ip = limited_app().test_client(), _ip()
    codes = [client.post("/api/v1/verify", json={"credential": "x"},
                         headers={"Authorization": "Bearer not-a-token"},
                         environ_base={"REMOTE_ADDR": ip}).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
