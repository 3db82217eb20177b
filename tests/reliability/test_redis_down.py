"""Redis goes away under a live `onegate serve` (2 workers) that uses it: nothing
answers 500; login throttling fails closed (429 or 503 with Retry-After: the attempt
budget cannot be checked, so no password is tried); the endpoints that do not need
Redis keep working, and revoked access tokens stay revoked (the database holds the
denylist, Redis only caches it); when Redis is back, logins work again by themselves.

The machine's Redis is shared, so the server reaches it through a TCP proxy that the
test cuts and restores (Redis database 8, keys prefixed as the server prefixes them)."""

from __future__ import annotations

import re

import pytest
import requests

from tests.idp.accounts.factories import PASSWORD, make_person
from tests.reliability import world as w
from tests.reliability.conftest import server_log, start_logged_server, stop
from tests.reliability.faults import poll_until_all_succeed
from tests.reliability.proxy import TcpProxy

pytestmark = [pytest.mark.reliability, pytest.mark.live]
REDIS = ("127.0.0.1", 6379)
REDIS_DB = 8
THROTTLED = {429, 503}


@pytest.fixture
def redis_outage(migrated, tmp_path):
    import redis

    try:
        redis.Redis(*REDIS, db=REDIS_DB, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        from tests.conftest import unavailable

        unavailable("Redis is not reachable on 127.0.0.1:6379")
    with TcpProxy(*REDIS) as proxy:
        server = start_logged_server(
            migrated, tmp_path, REDIS_URL=f"redis://127.0.0.1:{proxy.port}/{REDIS_DB}")
        try:
            yield proxy, server
        finally:
            stop(server)


def _login(base: str, username: str, password: str) -> requests.Response:
    browser = requests.Session()
    page = browser.get(base + "/login", params={"next": "/account"}, timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return browser.post(base + "/login", allow_redirects=False, timeout=30, data={
        "csrf_token": token, "login": username, "password": password, "next": "/account"})


def _assert_refused_with_retry_after(response: requests.Response, what: str) -> None:
    assert response.status_code in THROTTLED, (what, response.status_code, response.text[:300])
    assert response.headers.get("Retry-After", "").isdigit(), (what, response.headers)


def test_redis_down_fails_login_closed_and_keeps_the_rest_working(app, redis_outage, unique):
    proxy, server = redis_outage
    base = server.url
    world = w.make_world(app, unique)
    person = make_person(app, unique)
    http = requests.Session()
    assert _login(base, person["username"], "wrong " + unique).status_code == 401
    assert _login(base, person["username"], PASSWORD).status_code == 302
    access = w.token(http, base, world).json()["access_token"]
    licence = w.issue(http, base, world, access).json()
    doomed = w.token(http, base, world).json()["access_token"]

    proxy.cut()
    statuses: list[int] = []
    for _ in range(3):
        for password in ("wrong " + unique, PASSWORD):
            response = _login(base, person["username"], password)
            statuses.append(response.status_code)
            _assert_refused_with_retry_after(response, "login")
            assert "Traceback" not in response.text
        token = w.token(http, base, world)
        statuses.append(token.status_code)
        if token.status_code != 200:
            _assert_refused_with_retry_after(token, "token endpoint")
        verify = w.verify(http, base, licence["sd_jwt"])
        statuses.append(verify.status_code)
        if verify.status_code != 200:
            _assert_refused_with_retry_after(verify, "verify")
        else:
            assert verify.json()["status"] == "valid"
        issued = w.issue(http, base, world, access)
        statuses.append(issued.status_code)
        assert issued.status_code == 201, issued.text[:300]
        for path in ("/healthz", "/readyz", "/jwks", "/.well-known/openid-configuration"):
            assert http.get(base + path, timeout=30).status_code == 200, path
    revoked = http.post(base + "/oauth/revoke", headers=world.basic(), timeout=30,
                        data={"token": doomed, "token_type_hint": "access_token"})
    assert revoked.status_code == 200, revoked.text[:300]
    refused = w.issue(http, base, world, doomed)
    assert refused.status_code == 401, refused.text[:300]
    assert not [s for s in statuses if s >= 500 and s != 503], statuses

    proxy.restore()
    last = poll_until_all_succeed(
        {"login": lambda _s: _login(base, person["username"], PASSWORD)}, {"login": {302}},
        seconds=60)
    assert last["login"] == 302
    assert _login(base, person["username"], "wrong " + unique).status_code == 401
    assert w.issue(http, base, world, doomed).status_code == 401
    assert w.issue(http, base, world, access).status_code == 201
    stop(server)
    assert "Traceback" not in server_log(server)
