"""Two `onegate serve` processes on one PostgreSQL and one Redis, behind HAProxy
(bench/cluster.py, what `make cluster` starts), behave as one service: a login made
through one is honoured by the other, a token issued by one is active at the other
and its revocation through one is seen by the other at once, a rate limit and the
login throttle count the requests of both, an authorization code sent to both at
the same instant is redeemed once (and the replay revokes what it produced), a key
rotated by the CLI is published and signs at both within the documented 2 s, and a
licence revoked through one is revoked at the other's verification at once and in
its status list within 2 s.

The cluster is started once for the module (about 20 s of CI time)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import shutil
import subprocess
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
import requests

from bench import harness
from bench.cluster import Cluster
from tests.concurrently import concurrently
from tests.conftest import BACKEND, ROOT, redis_or_unavailable, unavailable

pytestmark = [pytest.mark.reliability, pytest.mark.live]
LIMIT = 6  # verifications per source address per window, counted in Redis
LOCK_AFTER = 4  # wrong passwords per (name, source) before the lock, counted in Redis
#: The documented bound for another process to publish or sign with a rotated key
#: (PublishedDocument's 2 s stamp check, ProviderSigner's and IssuerCache's 2 s signer
#: ttl) and to serve a changed status list; SLACK is this shared machine's scheduling.
BOUND, SLACK = 2.0, 8.0
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
HALL, HALL_REDIRECT = "demo-hall-tianhe", "http://127.0.0.1:8101/callback"


@pytest.fixture(scope="module")
def cluster():
    if BACKEND != "postgresql":
        pytest.skip("the cluster runs on PostgreSQL (ONEGATE_TEST_DB=postgresql)")
    if shutil.which("haproxy") is None:
        unavailable("haproxy is not installed (apt-get install -y haproxy)")
    redis_or_unavailable(harness.REDIS).close()
    # No per-name delay: the lock per (name, source) alone decides how many wrong
    # passwords are checked, so the count does not depend on the machine's speed.
    started = Cluster(workers=1, settings={
        "ONEGATE_VERIFY_RATE_LIMIT": str(LIMIT), "ONEGATE_LOGIN_DELAY_MAX": "0",
        "ONEGATE_LOGIN_LOCK_AFTER": str(LOCK_AFTER)}).start()
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


# -- helpers ----------------------------------------------------------------------


def _address() -> str:
    """A source address of its own (the processes trust one proxy hop's
    X-Forwarded-For), so each test has its own verification and login budgets."""
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


def _status_codes(responses) -> list:
    return [getattr(r, "status_code", r) for r in responses]


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _within(seconds: float, probe, what: str):
    """Poll ``probe`` until it returns something true, for at most ``seconds``;
    returns (value, elapsed). Fails naming ``what`` otherwise."""
    start = time.monotonic()
    while True:
        value = probe()
        elapsed = time.monotonic() - start
        if value:
            return value, elapsed
        assert elapsed < seconds, f"{what}: not seen within {seconds} s"
        time.sleep(0.05)  # poll interval


def _onegate(cluster: Cluster, *args: str) -> subprocess.CompletedProcess:
    """The CLI, a third process on the cluster's database and Redis."""
    done = subprocess.run([str(harness.BIN / "onegate"), *args], env=cluster.instance.env(),
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def _bearer(cluster: Cluster, node: str) -> dict[str, str]:
    token = requests.post(node + "/oauth/token", auth=dept_auth(cluster), timeout=30,
                          data={"grant_type": "client_credentials"})
    assert token.status_code == 200, token.text
    return {"Authorization": "Bearer " + token.json()["access_token"]}


def _issue(cluster: Cluster, node: str) -> dict:
    """A business licence issued through ``node`` by the demo department's system."""
    from admin.demo import _uscc
    from credentials.demo import BUSINESS_LICENCE

    body = {"type": BUSINESS_LICENCE.code,
            "holder": {"code_type": "001", "number": _uscc(), "name": "广州岭南科技有限公司"},
            "claims": {"entity_type": "有限责任公司", "legal_representative": "张三",
                       "registered_capital": "人民币壹佰万元", "established": "2019-05-20",
                       "business_term": "长期", "address": "广州市天河区天河路385号",
                       "business_scope": "软件开发。",
                       "registration_authority": "广州市天河区市场监督管理局"}}
    issued = requests.post(node + "/api/v1/licenses", json=body, timeout=30,
                           headers=_bearer(cluster, node))
    assert issued.status_code == 201, issued.text
    return issued.json()


def _verify(node: str, credential: str) -> dict:
    answer = requests.post(node + "/api/v1/verify", json={"credential": credential}, timeout=30,
                           headers={"X-Forwarded-For": _address()})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _kid(token: str) -> str:
    return jwt.get_unverified_header(token.split("~", 1)[0])["kid"]


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _path(location: str) -> str:
    """A redirect's path and query, to be sent to a chosen process."""
    parts = urlsplit(location)
    return parts.path + ("?" + parts.query if parts.query else "")


def _code(cluster: Cluster) -> tuple[str, str]:
    """An authorization code for the demo hall: zhangsan logs in through the first
    process, the authorization request is answered by the second. Returns (code,
    PKCE verifier)."""
    first, second = cluster.nodes
    verifier, challenge = _pkce()
    browser = requests.Session()
    query = urlencode({"response_type": "code", "client_id": HALL, "redirect_uri": HALL_REDIRECT,
                       "scope": "openid profile", "state": "s1", "nonce": secrets.token_hex(8),
                       "code_challenge": challenge, "code_challenge_method": "S256"})
    to_login = browser.get(f"{first}/oauth/authorize?{query}", allow_redirects=False, timeout=30)
    assert to_login.status_code == 302, to_login.text[:300]
    login_path = _path(to_login.headers["Location"])
    page = browser.get(first + login_path, timeout=30)
    back = browser.post(first + "/login", allow_redirects=False, timeout=60, data={
        "csrf_token": _csrf(page.text), "login": "zhangsan",
        "password": secret(cluster, "zhangsan"),
        "next": parse_qs(urlsplit(login_path).query)["next"][0]})
    assert back.status_code == 302, back.text[:300]
    callback = browser.get(second + _path(back.headers["Location"]), allow_redirects=False,
                           timeout=30)
    location = callback.headers.get("Location", "")
    assert location.startswith(HALL_REDIRECT + "?"), (callback.status_code, location)
    return parse_qs(urlsplit(location).query)["code"][0], verifier


# -- an authorization code is redeemed once ---------------------------------------


def test_a_code_sent_to_both_processes_at_once_is_redeemed_once_and_the_replay_revokes(
        cluster):
    code, verifier = _code(cluster)
    hall = (HALL, secret(cluster, HALL))
    body = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier,
            "redirect_uri": HALL_REDIRECT}

    def redeem(node):
        return lambda _: requests.post(node + "/oauth/token", auth=hall, data=body, timeout=60)

    answers = concurrently([(lambda: None, redeem(node)) for node in cluster.nodes])
    assert sorted(_status_codes(answers)) == [200, 400], [a.text for a in answers]
    won = next(a for a in answers if a.status_code == 200).json()
    lost = next(a for a in answers if a.status_code == 400)
    assert lost.json()["error"] == "invalid_grant"
    assert won["access_token"] and won["refresh_token"] and won["id_token"]
    # RFC 6749 section 4.1.2: the second use revokes what the first produced (idp.grants.
    # authorization_code.redeem). The loser answered after the winner committed, so both
    # tokens are dead at both processes when the test looks.
    for node in cluster.nodes:
        seen = requests.post(node + "/oauth/introspect", auth=hall, timeout=30,
                             data={"token": won["access_token"]}).json()
        assert seen == {"active": False}, node
    for node in cluster.nodes:
        refreshed = requests.post(node + "/oauth/token", auth=hall, timeout=30, data={
            "grant_type": "refresh_token", "refresh_token": won["refresh_token"]})
        assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    refused = requests.get(cluster.nodes[0] + "/oauth/userinfo", timeout=30,
                           headers={"Authorization": "Bearer " + won["access_token"]})
    assert refused.status_code == 401
    # Sent once more, to either process: still refused.
    again = requests.post(cluster.nodes[1] + "/oauth/token", auth=hall, data=body, timeout=30)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_a_code_redeemed_once_through_one_process_is_honoured_and_refused_at_the_other(
        cluster):
    """The sequential case: no replay, the tokens stay good; the replay at the other
    process is refused and revokes them there and here."""
    first, second = cluster.nodes
    code, verifier = _code(cluster)
    hall = (HALL, secret(cluster, HALL))
    body = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier,
            "redirect_uri": HALL_REDIRECT}
    won = requests.post(first + "/oauth/token", auth=hall, data=body, timeout=30)
    assert won.status_code == 200, won.text
    access = won.json()["access_token"]
    assert requests.post(second + "/oauth/introspect", auth=hall, timeout=30,
                         data={"token": access}).json()["active"] is True
    replay = requests.post(second + "/oauth/token", auth=hall, data=body, timeout=30)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert requests.post(first + "/oauth/introspect", auth=hall, timeout=30,
                         data={"token": access}).json() == {"active": False}


# -- the login throttle -----------------------------------------------------------


def test_wrong_passwords_spread_over_both_processes_spend_one_budget(cluster):
    attacker, attempts = _address(), 2 * LOCK_AFTER

    def wrong(index):
        node = cluster.nodes[index % 2]
        http = requests.Session()
        http.headers["X-Forwarded-For"] = attacker

        def prepare():
            return _csrf(http.get(node + "/login", timeout=60).text)

        def fire(token):
            return http.post(node + "/login", timeout=120, allow_redirects=False, data={
                "csrf_token": token, "login": "zhangsan", "password": f"wrong{index}!",
                "next": "/account"})
        return prepare, fire

    statuses = _status_codes(concurrently([wrong(i) for i in range(attempts)]))
    # Each process alone would have checked LOCK_AFTER: together they checked exactly that.
    assert statuses.count(401) == LOCK_AFTER, statuses
    assert statuses.count(429) == attempts - LOCK_AFTER, statuses

    def right(node, address):
        http = requests.Session()
        http.headers["X-Forwarded-For"] = address
        token = _csrf(http.get(node + "/login", timeout=60).text)
        return http.post(node + "/login", timeout=120, allow_redirects=False, data={
            "csrf_token": token, "login": "zhangsan", "password": secret(cluster, "zhangsan"),
            "next": "/account"})

    for node in cluster.nodes:  # the right password, from the locked source: not checked
        locked = right(node, attacker)
        assert locked.status_code == 429, (node, locked.status_code)
        assert 0 < int(locked.headers["Retry-After"]) <= 900
    assert right(cluster.nodes[0], _address()).status_code == 302  # elsewhere: not locked
    # A clerk's unlock through the CLI (a third process) frees the source at both.
    _onegate(cluster, "accounts", "unlock", "zhangsan")
    assert right(cluster.nodes[1], attacker).status_code == 302


# -- a key rotation made elsewhere --------------------------------------------------


def _rotate(cluster: Cluster, owner: str) -> str:
    done = _onegate(cluster, "keys", "rotate", "--owner", owner, "--alg", "ES256",
                    "--prepublish", "0", "--json")
    return json.loads(done.stdout)["kid"]


def _published(url: str, kid: str) -> bool:
    return kid in {k["kid"] for k in requests.get(url, timeout=30).json()["keys"]}


def test_a_provider_key_rotated_by_the_cli_is_published_and_signs_at_both_processes(cluster):
    auth = dept_auth(cluster)
    before = {_kid(requests.post(node + "/oauth/token", auth=auth, timeout=30, data={
        "grant_type": "client_credentials"}).json()["access_token"]) for node in cluster.nodes}
    kid = _rotate(cluster, "provider")
    assert kid not in before
    for node in cluster.nodes:
        _within(BOUND + SLACK, lambda node=node: _published(node + "/jwks", kid),
                f"{node}/jwks publishing {kid}")

    def token_with_new_key(node):
        token = requests.post(node + "/oauth/token", auth=auth, timeout=30,
                              data={"grant_type": "client_credentials"}).json()["access_token"]
        return token if _kid(token) == kid else None

    for signer, checker in (cluster.nodes, reversed(cluster.nodes)):
        token, _ = _within(BOUND + SLACK, lambda signer=signer: token_with_new_key(signer),
                           f"{signer} signing with {kid}")
        seen = requests.post(checker + "/oauth/introspect", auth=auth, timeout=30,
                             data={"token": token}).json()
        assert seen["active"] is True, (signer, checker)
    # The old key still verifies what it signed (retired, still published).
    assert before <= {k["kid"] for k in requests.get(cluster.url + "/jwks",
                                                     timeout=30).json()["keys"]}


def test_a_department_key_rotated_by_the_cli_is_published_and_signs_licences_at_both(
        cluster):
    old = _kid(_issue(cluster, cluster.nodes[0])["sd_jwt"])
    kid = _rotate(cluster, "dept:gdamr")
    assert kid != old
    for node in cluster.nodes:
        _within(BOUND + SLACK, lambda node=node: _published(f"{node}/issuers/gdamr/jwks", kid),
                f"{node}/issuers/gdamr/jwks publishing {kid}")

    def licence_with_new_key(node):
        licence = _issue(cluster, node)
        return licence if _kid(licence["sd_jwt"]) == kid else None

    for signer, checker in (cluster.nodes, reversed(cluster.nodes)):
        licence, _ = _within(BOUND + SLACK, lambda signer=signer: licence_with_new_key(signer),
                             f"{signer} issuing with {kid}")
        verdict = _verify(checker, licence["sd_jwt"])
        assert (verdict["valid"], verdict["status"]) == (True, "valid"), verdict


# -- a licence revoked elsewhere ----------------------------------------------------


def _status_at(node: str, reference: dict, cluster: Cluster) -> int:
    """The licence's entry in the status list ``node`` serves, its signature checked
    against the department's keys that ``node`` publishes."""
    from credentials.formats.status_list import parse_status_list_jwt
    from keys.jwk import public_key_from_jwk

    uri = reference["uri"]
    served = requests.get(node + urlsplit(uri).path, timeout=30)
    assert served.status_code == 200, served.text
    token = served.text
    keys = requests.get(f"{node}/issuers/gdamr/jwks", timeout=30).json()["keys"]
    jwk = next(k for k in keys if k["kid"] == jwt.get_unverified_header(token)["kid"])
    parsed = parse_status_list_jwt(token, public_key_from_jwk(jwk), expected_uri=uri,
                                   now=int(time.time()))
    return parsed.status_list.get(reference["idx"])


def test_a_licence_revoked_through_one_process_is_revoked_at_the_other(cluster):
    first, second = cluster.nodes
    licence = _issue(cluster, first)
    reference = licence["status"]
    assert _verify(second, licence["sd_jwt"])["status"] == "valid"
    assert _status_at(second, reference, cluster) == 0  # the second now holds the list
    revoked = requests.post(f"{first}/api/v1/licenses/{licence['identifier']}/revoke",
                            json={"reason": "集群测试"}, timeout=30,
                            headers=_bearer(cluster, first))
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked", revoked.text
    # Online verification at the other process: at once (the Redis stamp is raised
    # before the revoking request answers; credentials/status_stamps.py).
    verdict = _verify(second, licence["sd_jwt"])
    assert (verdict["valid"], verdict["status"]) == (False, "revoked"), verdict
    assert _verify(second, licence["offline_qr"])["status"] == "revoked"
    # The status list the other serves: within the published documents' 2 s.
    _within(BOUND + SLACK, lambda: _status_at(second, reference, cluster) == 1,
            f"{second}'s status list marking entry {reference['idx']} revoked")
    assert _status_at(first, reference, cluster) == 1  # the revoking process: at once
