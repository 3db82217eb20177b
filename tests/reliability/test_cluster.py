"""Two `onegate serve` processes on one PostgreSQL and one Redis, behind HAProxy
(bench/cluster.py, what `make cluster` starts), behave as one service: a login made
through one is honoured by the other, a token issued by one is active at the other
and its revocation through one is seen by the other at once, and a rate limit counts
the requests of both."""

from __future__ import annotations

import re
import shutil

import pytest
import requests

from bench import harness
from bench.cluster import Cluster
from tests.conftest import BACKEND, redis_or_unavailable, unavailable

pytestmark = [pytest.mark.reliability, pytest.mark.live]
LIMIT = 6  # verifications per source address per window, counted in Redis
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def cluster():
    if BACKEND != "postgresql":
        pytest.skip("the cluster runs on PostgreSQL (ONEGATE_TEST_DB=postgresql)")
    if shutil.which("haproxy") is None:
        unavailable("haproxy is not installed (apt-get install -y haproxy)")
    redis_or_unavailable(harness.REDIS).close()
    started = Cluster(workers=1, settings={"ONEGATE_VERIFY_RATE_LIMIT": str(LIMIT)}).start()
    yield started
    started.stop()


def secret(cluster: Cluster, name: str) -> str:
    return cluster.instance.logins[name]


def dept_auth(cluster: Cluster) -> tuple[str, str]:
    return ("demo-dept-gdamr", secret(cluster, "demo-dept-gdamr"))


def test_the_proxy_serves_both_processes_under_one_issuer(cluster):
    discovery = requests.get(cluster.url + "/.well-known/openid-configuration", timeout=10)
    assert discovery.status_code == 200 and discovery.json()["issuer"] == cluster.url
    for node in cluster.nodes:
        assert requests.get(node + "/.well-known/openid-configuration",
                            timeout=10).json()["issuer"] == cluster.url
    assert len({p.pid for p in cluster.processes if p.poll() is None}) == 3


def test_a_login_through_one_process_is_honoured_by_the_other(cluster):
    first, second = cluster.nodes
    browser = requests.Session()
    page = browser.get(first + "/login", timeout=10)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    login = browser.post(first + "/login", timeout=30, allow_redirects=False, data={
        "csrf_token": csrf, "login": "zhangsan", "password": secret(cluster, "zhangsan"),
        "next": "/account"})
    assert login.status_code == 302, login.text[:300]
    account = browser.get(second + "/account", timeout=10, allow_redirects=False)
    assert account.status_code == 200 and "zhangsan" in account.text
    stranger = requests.get(second + "/account", timeout=10, allow_redirects=False)
    assert stranger.status_code == 302 and "/login" in stranger.headers["Location"]


def test_a_token_of_one_is_active_at_the_other_until_revoked_through_either(cluster):
    first, second = cluster.nodes
    auth = dept_auth(cluster)
    token = requests.post(first + "/oauth/token", auth=auth, timeout=10,
                          data={"grant_type": "client_credentials"})
    assert token.status_code == 200, token.text
    access = token.json()["access_token"]
    seen = requests.post(second + "/oauth/introspect", auth=auth, data={"token": access},
                         timeout=10).json()
    assert seen["active"] is True and seen["client_id"] == "demo-dept-gdamr"
    revoked = requests.post(first + "/oauth/revoke", auth=auth, data={"token": access},
                            timeout=10)
    assert revoked.status_code == 200
    after = requests.post(second + "/oauth/introspect", auth=auth, data={"token": access},
                          timeout=10).json()
    assert after == {"active": False}
    refused = requests.post(second + "/api/v1/verify", json={"credential": "x"}, timeout=10,
                            headers={"Authorization": f"Bearer {access}"})
    assert refused.status_code == 401


def test_a_rate_limit_counts_the_requests_of_both_processes(cluster):
    import redis

    redis.Redis.from_url(harness.REDIS).flushdb()  # this test's own window
    codes = []
    for i in range(LIMIT):
        node = cluster.nodes[i % 2]
        codes.append(requests.post(node + "/api/v1/verify", json={"credential": "not.a.jwt"},
                                   timeout=10).status_code)
    assert 429 not in codes and len(codes) == LIMIT
    for node in cluster.nodes:
        over = requests.post(node + "/api/v1/verify", json={"credential": "not.a.jwt"},
                             timeout=10)
        assert over.status_code == 429 and int(over.headers["Retry-After"]) > 0
