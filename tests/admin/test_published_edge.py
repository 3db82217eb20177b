"""admin.published: the fast path answers published documents exactly as Flask does.

Every document is fetched once through Flask alone (the wrapped WSGI app) and once
through the fast path, with the Flask app behind it replaced by one that fails the
test: so each comparison is between the two paths, not one path twice.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy.exc import OperationalError
from werkzeug.test import Client

from tests import conftest
from tests.credentials.helpers import dept_headers, make_department

SKIP = {"date", "server"}
#: The bound on staleness across workers (credentials.published.CHECK_EVERY) plus slack.
BOUND = 2.0 + 1.5


@pytest.fixture
def dept(app, unique):
    return make_department(app, unique)


@pytest.fixture
def licence(client, app, dept):
    response = client.post("/api/v1/licenses", json=dept.body(), headers=dept_headers(app, dept))
    assert response.status_code == 201, response.get_data(True)
    return response.get_json()


def documents(dept, licence) -> list[str]:
    status_path = licence["status"]["uri"].removeprefix("http://localhost")
    return [status_path, f"/issuers/{dept.code}/jwks",
            f"/.well-known/jwt-vc-issuer/issuers/{dept.code}",
            "/api/v1/trust-list", "/api/v1/trust-list?format=json",
            "/jwks", "/.well-known/openid-configuration"]


def flask_only(app) -> Client:
    """A client of the Flask app behind the fast path."""
    return Client(app.published.app)


class FastOnly:
    """Stands in for the Flask app: a request that falls through fails the test."""

    def __init__(self):
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        raise AssertionError(f"fell through to Flask: {environ['REQUEST_METHOD']} "
                             f"{environ['PATH_INFO']}")


@pytest.fixture
def fast_only(app, monkeypatch):
    """Replace Flask behind the fast path; returns a client of the fast path."""
    monkeypatch.setattr(app.published, "app", FastOnly())
    return Client(app.published)


def comparable(response) -> list[tuple[str, str]]:
    return sorted((k.lower(), v) for k, v in response.headers.items()
                  if k.lower() not in SKIP)


VARIANTS = [
    ("GET", {}, "http://localhost/"),
    ("GET", {"Origin": "https://hall.example"}, "http://localhost/"),
    ("HEAD", {}, "http://localhost/"),
    ("GET", {}, "https://localhost/"),  # HSTS
]


def test_headers_and_bodies_are_those_flask_sends(app, dept, licence, monkeypatch):
    flask = flask_only(app)
    paths = documents(dept, licence)
    expected = {}
    for path in paths:
        for method, headers, base in VARIANTS:
            response = flask.open(path, method=method, base_url=base,
                                  headers={"X-Request-Id": "req-1", **headers})
            assert response.status_code == 200, (path, response.get_data(True))
            etag = response.headers["ETag"]
            conditional = flask.get(path, headers={"X-Request-Id": "req-1",
                                                   "If-None-Match": etag})
            assert conditional.status_code == 304 and conditional.get_data() == b""
            expected[(path, method, str(headers), base)] = (
                comparable(response), response.get_data(), comparable(conditional), etag)
    fast = FastOnly()
    monkeypatch.setattr(app.published, "app", fast)
    client = Client(app.published)
    for path in paths:
        for method, headers, base in VARIANTS:
            want, body, want_304, etag = expected[(path, method, str(headers), base)]
            response = client.open(path, method=method, base_url=base,
                                    headers={"X-Request-Id": "req-1", **headers})
            assert (path, method, comparable(response)) == (path, method, want)
            assert response.get_data() == body
            if method == "HEAD":
                assert body == b"" and int(response.headers["Content-Length"]) > 0
            conditional = client.get(path, headers={"X-Request-Id": "req-1",
                                                    "If-None-Match": f'"x", W/{etag}'})
            assert conditional.status_code == 304 and conditional.get_data() == b""
            assert comparable(conditional) == want_304
    assert fast.calls == 0


def test_request_ids_and_metrics(app, client, dept, licence):
    path = f"/issuers/{dept.code}/jwks"
    assert client.get(path).status_code == 200
    mine = client.get(path, headers={"X-Request-Id": "abc.DEF-1"})
    assert mine.headers["X-Request-Id"] == "abc.DEF-1"
    hostile = client.get(path, headers={"X-Request-Id": "a b\u00e9"})
    assert len(hostile.headers["X-Request-Id"]) == 16
    client.get(path, headers={"If-None-Match": mine.headers["ETag"]})
    metrics = client.get("/metrics").get_data(True)
    line = ('onegate_http_requests_total{endpoint="credentials_public.jwks",'
            'method="GET",status="%d"}')
    assert line % 200 + " 3.0" in metrics
    assert line % 304 + " 1.0" in metrics


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_other_methods_fall_through_to_405_problems(app, client, dept, licence, method):
    for path in documents(dept, licence):
        client.get(path)  # built: the fast path owns it for GET
        response = client.open(path, method=method)
        assert response.status_code == 405, (path, method)
        assert "GET" in response.headers["Allow"]
        assert response.mimetype == "application/problem+json"


def test_a_status_change_shows_at_once_in_this_worker(client, app, dept, licence):
    path = licence["status"]["uri"].removeprefix("http://localhost")
    first = client.get(path)
    assert client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    response = client.post(f"/api/v1/licenses/{licence['identifier']}/suspend",
                           json={"reason": "检查"}, headers=dept_headers(app, dept))
    assert response.status_code == 200
    after = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != first.headers["ETag"]


def test_status_change_listeners_hear_commits_only(app, licence):
    from credentials import status

    heard = []
    sessions = app.services.sessions
    status.on_committed(sessions, heard.append)
    list_id = licence["status"]["uri"].rsplit("/", 1)[1]
    with sessions() as session:
        status.record_change(session, list_id)
        session.rollback()
        session.commit()
    assert heard == []
    with sessions() as session:
        status.record_change(session, list_id)
        session.commit()
    assert heard == [frozenset({list_id})]


def other_app(migrated, tmp_path):
    from admin.app import create_app

    return create_app(conftest.test_settings(migrated), instance_path=tmp_path / "other")


def wait_for(condition, seconds: float) -> float:
    """Poll ``condition`` (a staleness bound, not a server's readiness); the time taken."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, f"not within {seconds} s"
        time.sleep(0.05)
    return time.monotonic() - started


def test_a_revoked_key_leaves_another_apps_documents_within_the_bound(
        app, client, migrated, tmp_path, dept, licence):
    import keys

    other = other_app(migrated, tmp_path)
    try:
        ring = other.services.keyring
        owner = keys.department(dept.code)
        extra = ring.rotate(owner, "ES256", timedelta(days=1))
        paths = [f"/issuers/{dept.code}/jwks", f"/.well-known/jwt-vc-issuer/issuers/{dept.code}"]

        def kids(path):
            body = client.get(path).get_json()
            return {k["kid"] for k in (body.get("jwks") or body)["keys"]}

        for path in paths:
            wait_for(lambda p=path: extra.kid in kids(p), BOUND)
        ring.revoke(extra.kid)
        for path in paths:
            wait_for(lambda p=path: extra.kid not in kids(p), BOUND)
        trust = lambda: {k["kid"] for i in client.get("/api/v1/trust-list?format=json")  # noqa: E731
                         .get_json()["issuers"] if i["code"] == dept.code
                         for k in i["jwks"]["keys"]}
        wait_for(lambda: extra.kid not in trust(), 10 + BOUND)  # ONEGATE_VERIFY_TRUST_TTL
    finally:
        other.services.engine.dispose()


def test_a_revoked_provider_key_leaves_another_apps_jwks_within_the_bound(
        app, client, migrated, tmp_path):
    def kids():
        response = client.get("/jwks")
        assert response.mimetype == "application/jwk-set+json"
        return {k["kid"] for k in response.get_json()["keys"]}

    other = other_app(migrated, tmp_path)
    try:
        ring = other.services.keyring
        extra = ring.rotate("provider", "ES256", timedelta(days=1))
        wait_for(lambda: extra.kid in kids(), BOUND)
        ring.revoke(extra.kid)
        wait_for(lambda: extra.kid not in kids(), BOUND)
    finally:
        other.services.engine.dispose()
    # Where it was revoked, at once.
    extra = app.services.keyring.rotate("provider", "ES256", timedelta(days=1))
    assert extra.kid in kids()
    app.services.keyring.revoke(extra.kid)
    assert extra.kid not in kids()


def test_discovery_and_jwks_answer_an_origin_as_idp_cors_does(client):
    for path in ("/jwks", "/.well-known/openid-configuration"):
        plain = client.get(path)
        assert "Vary" not in plain.headers
        crossed = client.get(path, headers={"Origin": "https://hall.example"})
        assert crossed.headers["Access-Control-Allow-Origin"] == "*"
        assert crossed.headers.getlist("Vary") == ["Origin"]
        empty = client.get(path, headers={"Origin": ""})
        assert "Vary" not in empty.headers
    assert "Access-Control-Allow-Origin" not in client.get("/jwks").headers


def test_a_revoked_key_leaves_at_once_where_it_was_revoked(app, client, dept, licence):
    import keys

    ring = app.services.keyring
    extra = ring.rotate(keys.department(dept.code), "ES256", timedelta(days=1))
    path = f"/issuers/{dept.code}/jwks"
    assert extra.kid in {k["kid"] for k in client.get(path).get_json()["keys"]}
    ring.revoke(extra.kid)
    assert extra.kid not in {k["kid"] for k in client.get(path).get_json()["keys"]}
    trust = client.get("/api/v1/trust-list?format=json").get_json()
    assert extra.kid not in {k["kid"] for i in trust["issuers"] for k in i["jwks"]["keys"]}


def test_a_status_change_in_another_app_shows_within_the_bound(
        app, client, migrated, tmp_path, dept, licence):
    path = licence["status"]["uri"].removeprefix("http://localhost")
    etag = client.get(path).headers["ETag"]
    other = other_app(migrated, tmp_path)
    try:
        response = other.test_client().post(
            f"/api/v1/licenses/{licence['identifier']}/revoke", json={"reason": "吊销"},
            headers=dept_headers(other, dept))
        assert response.status_code == 200, response.get_data(True)
    finally:
        other.services.engine.dispose()
    wait_for(lambda: client.get(path, headers={"If-None-Match": etag}).status_code == 200,
             BOUND)


def down(*_a, **_kw):
    raise OperationalError("SELECT 1", {}, Exception("connection refused"))


def assert_503(response):
    assert response.status_code == 503, response.get_data(True)
    assert response.headers["Retry-After"].isdigit()
    assert response.mimetype == "application/problem+json"
    assert response.headers["Cache-Control"] == "no-store"


def test_database_down_answers_503_before_and_after_a_build(app, client, dept, licence,
                                                           monkeypatch):
    store = app.services.keyring._store
    paths = documents(dept, licence)
    with monkeypatch.context() as patch:  # never built: the build meets the outage
        patch.setattr(store, "list_for_owner", down)
        patch.setattr(store, "stamp", down)
        for path in paths[1:3]:
            assert_503(client.get(path))
    for path in paths:
        assert client.get(path).status_code == 200
    monkeypatch.setattr(store, "stamp", down)  # built, then the version check fails
    app.published.invalidate_all()
    for path in paths:
        if path == "/.well-known/openid-configuration":
            assert client.get(path).status_code == 200  # reads no database, as before
        else:
            assert_503(client.get(path))


@pytest.mark.parametrize("list_id", ["abc\x00def", "%00", "x" * 33, "a.b", "\u6d4b"])
def test_hostile_status_list_ids_are_no_such_list(client, dept, licence, list_id):
    from urllib.parse import quote

    response = client.get(f"/issuers/{dept.code}/status/{quote(list_id)}")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_unknown_members_take_no_room(app, client, dept, licence):
    family = app.credentials_services.published.status_lists
    before = len(family)
    for n in range(5):
        assert client.get(f"/issuers/{dept.code}/status/nolist{n}").status_code == 404
        assert client.get(f"/issuers/nodept{n}/jwks").status_code == 404
    assert len(family) == before
    # A real list under another department's code is no list there.
    list_id = licence["status"]["uri"].rsplit("/", 1)[1]
    assert client.get(f"/issuers/nodept/status/{list_id}").status_code == 404


@pytest.mark.parametrize("code", ["Ω≈ç√", "a" * 200, "a b", "%00"])
def test_hostile_department_codes_are_no_such_department(client, code):
    from urllib.parse import quote

    for path in (f"/issuers/{quote(code)}/jwks", f"/issuers/{quote(code)}/status/abc",
                 f"/.well-known/jwt-vc-issuer/issuers/{quote(code)}"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.mimetype == "application/problem+json"
