"""The login throttle and the token endpoint's budget against a live `onegate serve`
with two workers, on the database store and on Redis: 24 concurrent attempts, and
the number that was really checked."""

import os
import re
import secrets
import subprocess
import sys

import pytest
import requests

from tests.concurrently import concurrently
from tests.conftest import ROOT, free_port, redis_or_unavailable, start_server
from tests.idp.accounts.factories import PASSWORD, csrf, make_person
from tests.idp.protocol.helpers import register

REDIS_URL = os.environ.get("ONEGATE_TEST_REDIS", "redis://127.0.0.1:6379/3")
LOCK_AFTER, TOKEN_LIMIT, CONCURRENT = 10, 10, 24


def _stop(server) -> None:
    server.stop()


def _redis_or_skip() -> None:
    redis_or_unavailable(REDIS_URL).close()


@pytest.fixture(scope="module", params=["database", "redis"])
def server(request, migrated, tmp_path_factory):
    # No per-account delay here: the lock per (name, source) alone decides, so the
    # count of checked attempts does not depend on how fast the machine is.
    extra = {"TRUSTED_PROXIES": 1, "LOGIN_DELAY_MAX": 0, "LOGIN_LOCK_AFTER": LOCK_AFTER,
             "TOKEN_RATE_LIMIT": TOKEN_LIMIT, "TOKEN_RATE_WINDOW": 3600}
    if request.param == "redis":
        _redis_or_skip()
        extra["REDIS_URL"] = REDIS_URL
    live = start_server(migrated, tmp_path_factory.mktemp("throttle"), **extra)
    yield live
    _stop(live)


def _address() -> str:
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


class Browser:
    """One person's requests.Session from one (forwarded) source address."""

    def __init__(self, server, address: str):
        self.server, self.http = server, requests.Session()
        self.http.headers["X-Forwarded-For"] = address

    def form(self) -> str:
        return csrf(self.http.get(self.server.url + "/login", timeout=60).text)

    def post(self, token: str, login: str, password: str) -> requests.Response:
        return self.http.post(self.server.url + "/login", timeout=120, allow_redirects=False,
                              data={"csrf_token": token, "login": login, "password": password,
                                    "next": "/account"})


def _spellings(phone: str) -> list[str]:
    local = phone[3:]
    return [local, f"+86 {local[:3]}-{local[3:7]}-{local[7:]}", "0086" + local,
            local.translate(str.maketrans("0123456789", "０１２３４５６７８９"))]


def test_concurrent_wrong_passwords_get_exactly_the_limit(server, app, unique):
    person = make_person(app, unique)
    spellings, attacker = _spellings(person["phone"]), Browser(server, _address())
    browsers = [Browser(server, attacker.http.headers["X-Forwarded-For"])
                for _ in range(CONCURRENT - 1)]
    calls = [(b.form, lambda token, b=b, i=i: b.post(token, spellings[i % 4], f"wrong{i}!"))
             for i, b in enumerate(browsers)]
    statuses = [getattr(r, "status_code", r) for r in concurrently(calls)]
    assert statuses.count(401) == LOCK_AFTER, statuses  # checked, and refused as wrong
    assert statuses.count(429) == CONCURRENT - 1 - LOCK_AFTER, statuses
    # The 24th attempt carries the right password: the budget is spent, so it is not
    # even checked; the page says how long to wait.
    right = attacker.post(attacker.form(), "+" + spellings[2][2:], PASSWORD)
    assert right.status_code == 429, (right.status_code, right.text[-400:])
    assert 0 < int(right.headers["Retry-After"]) <= 900
    assert re.search("请等待 1?[0-9] 分钟后再试", right.text)
    # Elsewhere the person is not locked out.
    elsewhere = Browser(server, _address())
    answer = elsewhere.post(elsewhere.form(), spellings[3], PASSWORD)
    assert answer.status_code == 302, (answer.status_code, answer.text[-400:])
    # A clerk unlocks; the locked source may try again at once.
    unlocked = subprocess.run([sys.executable, "-m", "admin.cli", "accounts", "unlock",
                               person["username"]], cwd=ROOT, env=server.env,
                              capture_output=True, text=True, timeout=120)
    assert unlocked.returncode == 0, unlocked.stderr
    answer = attacker.post(attacker.form(), spellings[1], PASSWORD)
    assert answer.status_code == 302, (answer.status_code, answer.text[-400:])


def test_token_budget_holds_across_workers(server, app, unique):
    reg = register(app, unique, grant_types=["client_credentials"], redirect_uris=[])

    def grant(_):
        return requests.post(server.url + "/oauth/token", timeout=120,
                             data={"grant_type": "client_credentials"},
                             auth=(reg["client_id"], reg["secret"]))

    responses = concurrently([(lambda: None, grant)] * CONCURRENT)
    statuses = [getattr(r, "status_code", r) for r in responses]
    assert statuses.count(200) == TOKEN_LIMIT, statuses
    refused = [r for r in responses if r.status_code == 429]
    assert len(refused) == CONCURRENT - TOKEN_LIMIT
    assert {r.json()["error"] for r in refused} == {"temporarily_unavailable"}
    assert all(int(r.headers["Retry-After"]) > 0 for r in refused)


@pytest.fixture(scope="module")
def redis_down_server(migrated, tmp_path_factory):
    live = start_server(migrated, tmp_path_factory.mktemp("redis-down"), TRUSTED_PROXIES=1,
                        REDIS_URL=f"redis://127.0.0.1:{free_port()}/3")
    yield live
    _stop(live)


def test_redis_down_fails_closed_on_a_live_server(redis_down_server, app, unique):
    person = make_person(app, unique)
    reg = register(app, unique, grant_types=["client_credentials"], redirect_uris=[])
    browser = Browser(redis_down_server, _address())
    answers = [browser.post(browser.form(), person["username"], password)
               for password in ("wrong!", "wrong again!", PASSWORD)]
    assert [a.status_code for a in answers] == [503, 503, 503]
    assert all(int(a.headers["Retry-After"]) > 0 for a in answers)
    assert re.search("登录服务暂时不可用", answers[-1].text)
    token = requests.post(redis_down_server.url + "/oauth/token", timeout=60,
                          data={"grant_type": "client_credentials"},
                          auth=(reg["client_id"], reg["secret"]))
    assert token.status_code == 503 and token.json()["error"] == "temporarily_unavailable"
    assert int(token.headers["Retry-After"]) > 0
