"""admin.token_edge: successful client_credentials grants and introspections answered
before Flask, exactly as Flask and Authlib answer them; everything else reaches them.

Each comparison asks the same question twice, once with the fast path switched off
(``app.token_edge.enabled``, ONEGATE_TOKEN_FAST_PATH) and once with it on, and checks
which path answered by counting the requests that reached the Flask app behind it.
"""

from __future__ import annotations

import base64
import os
from datetime import timedelta

import jwt
import pytest

from tests.conftest import test_settings as settings_for
from tests.idp.protocol.helpers import basic, register
from tests.idp.services import idp_services

#: A Redis database of this file's own (the files run in parallel, each flushes its own).
REDIS_URL = os.environ.get("ONEGATE_TEST_EDGE_REDIS", "redis://127.0.0.1:6379/10")
SKIP = {"date", "server"}
RID = {"X-Request-Id": "compare-1"}


class Counting:
    """The Flask app behind the edge, counting the requests that reach it."""

    def __init__(self, app):
        self.app, self.calls = app, 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.app(environ, start_response)


@pytest.fixture
def flask_calls(app):
    counting = Counting(app.token_edge.app)
    app.token_edge.app = counting
    # A loaded machine may take longer than the cache's 2 s between two requests; its
    # bound is tests/idp/protocol/test_token_fast_paths.py's.
    idp_services(app).client_cache.ttl = 600
    return counting


@pytest.fixture
def system(app, unique):
    return register(app, unique, grant_types=["client_credentials"], redirect_uris=[],
                    scopes=["openid", "profile"])


def _grant(client, reg, **data):
    return client.post("/oauth/token", data={"grant_type": "client_credentials", **data},
                       headers={**basic(reg["client_id"], reg["secret"]), **RID})


def _introspect(client, reg, token, **extra):
    return client.post("/oauth/introspect", data={"token": token, **extra},
                       headers={**basic(reg["client_id"], reg["secret"]), **RID})


def _headers(response) -> list[tuple[str, str]]:
    return [(k, v) for k, v in response.headers.items()
            if k.lower() not in SKIP | {"content-length"}]


def _both(app, flask_calls, ask):
    """(Flask's answer, the fast path's answer); each asserted to come from its path."""
    app.token_edge.enabled = False
    before = flask_calls.calls
    slow = ask()
    assert flask_calls.calls == before + 1
    app.token_edge.enabled = True
    fast = ask()
    assert flask_calls.calls == before + 1, "the fast path did not answer"
    return slow, fast


def _jwks(client):
    return jwt.PyJWKSet.from_dict(client.get("/jwks").get_json())


def _decode(client, token: str) -> tuple[dict, dict]:
    header = jwt.get_unverified_header(token)
    key = next(k for k in _jwks(client).keys if k.key_id == header["kid"])
    claims = jwt.decode(token, key.key, algorithms=["ES256"], audience="http://localhost/api",
                        issuer="http://localhost")
    return header, claims


def test_a_grant_answered_before_flask_equals_flasks(app, client, flask_calls, system):
    client.post("/oauth/token")  # the client cache is filled by Flask's first read
    assert _grant(client, system).status_code == 200
    for scope in (None, "profile"):
        extra = {"scope": scope} if scope else {}
        slow, fast = _both(app, flask_calls, lambda e=extra: _grant(client, system, **e))
        assert slow.status_code == fast.status_code == 200
        assert _headers(fast) == _headers(slow)
        assert ("Cache-Control", "no-store") in _headers(fast)
        assert ("Pragma", "no-cache") in _headers(fast)
        assert int(fast.headers["Content-Length"]) == len(fast.get_data())
        assert list(fast.get_json()) == list(slow.get_json())
        for name in ("token_type", "expires_in", "scope"):
            assert fast.get_json().get(name) == slow.get_json().get(name)
        (slow_header, slow_claims), (fast_header, fast_claims) = (
            _decode(client, slow.get_json()["access_token"]),
            _decode(client, fast.get_json()["access_token"]))
        assert fast_header == slow_header
        assert list(fast_claims) == list(slow_claims)
        for name, value in slow_claims.items():
            if name == "jti":
                assert fast_claims[name] != value and len(fast_claims[name]) == len(value)
            elif name in ("iat", "exp"):
                assert abs(fast_claims[name] - value) <= 5
            else:
                assert fast_claims[name] == value, name
    assert slow_claims["scope"] == "profile"


def test_an_introspection_answered_before_flask_equals_flasks(app, client, flask_calls,
                                                              system):
    token = _grant(client, system).get_json()["access_token"]
    _introspect(client, system, token)
    slow, fast = _both(app, flask_calls, lambda: _introspect(client, system, token))
    assert slow.status_code == fast.status_code == 200
    assert _headers(fast) == _headers(slow)
    assert fast.get_data() == slow.get_data()
    assert fast.get_json()["active"] is True and fast.get_json()["client_id"] == \
        system["client_id"]
    # A hint naming the access token, and client_secret_post, take the same path.
    slow, fast = _both(app, flask_calls,
                       lambda: _introspect(client, system, token, token_type_hint="access_token"))
    assert fast.get_data() == slow.get_data() and fast.status_code == 200


def test_over_https_both_paths_send_hsts(app, client, flask_calls, system):
    _grant(client, system)
    secure = lambda: client.post(  # noqa: E731
        "/oauth/token", data={"grant_type": "client_credentials"},
        headers={**basic(system["client_id"], system["secret"]), **RID},
        base_url="https://localhost")
    slow, fast = _both(app, flask_calls, secure)
    assert _headers(fast) == _headers(slow)
    assert "Strict-Transport-Security" in fast.headers


def test_client_secret_post_takes_the_same_path(app, client, flask_calls, unique):
    reg = register(app, unique, grant_types=["client_credentials"], redirect_uris=[],
                   auth_method="client_secret_post")
    form = {"client_id": reg["client_id"], "client_secret": reg["secret"]}
    grant = lambda: client.post("/oauth/token",  # noqa: E731
                                data={"grant_type": "client_credentials", **form}, headers=RID)
    token = grant().get_json()["access_token"]
    slow, fast = _both(app, flask_calls, grant)
    assert _headers(fast) == _headers(slow) and list(fast.get_json()) == list(slow.get_json())
    ask = lambda: client.post("/oauth/introspect", data={"token": token, **form},  # noqa: E731
                              headers=RID)
    slow, fast = _both(app, flask_calls, ask)
    assert fast.get_data() == slow.get_data() and fast.get_json()["active"] is True


def test_a_fast_answer_is_counted_and_logged_as_flasks(app, client, flask_calls, system,
                                                       caplog):
    _grant(client, system)
    with caplog.at_level("INFO", logger="onegate.access"):
        assert _grant(client, system).status_code == 200
    line = [r for r in caplog.records if r.name == "onegate.access"][-1]
    assert (line.method, line.path, line.status) == ("POST", "/oauth/token", 200)
    assert line.request_id == "compare-1"
    metrics = app.metrics.registry.get_sample_value(
        "onegate_http_requests_total",
        {"method": "POST", "endpoint": "idp_oauth_api.token", "status": "200"})
    assert metrics == 2  # Flask's answer and the fast one, under one endpoint


# -- the hostile side: every error is Flask's and Authlib's --------------------------


def _post(client, data, headers=None, path="/oauth/token", **kw):
    return client.post(path, data=data, headers={**(headers or {}), **RID}, **kw)


@pytest.fixture
def cases(app, unique, system):
    """A client without client_credentials, one registered for client_secret_post."""
    code_only = register(app, unique + "c", grant_types=["authorization_code"])
    post_client = register(app, unique + "p", grant_types=["client_credentials"],
                           redirect_uris=[], auth_method="client_secret_post")
    return code_only, post_client


def test_every_token_error_reaches_authlib(app, client, flask_calls, system, cases):
    code_only, post_client = cases
    for reg in (system, code_only, post_client):  # all three clients cached
        _grant(client, reg)
    cc = {"grant_type": "client_credentials"}
    auth = basic(system["client_id"], system["secret"])
    wrong = basic(system["client_id"], "not-the-secret")
    before = flask_calls.calls
    expected = [
        (_post(client, cc, wrong), 401, "invalid_client"),
        (_post(client, cc, basic("no-such-client", "x")), 401, "invalid_client"),
        (_post(client, cc, {"Authorization": "Basic !!!"}), 401, "invalid_client"),
        (_post(client, {**cc, "scope": "openid admin"}, auth), 400, "invalid_scope"),
        (_post(client, {}, auth), 400, "invalid_request"),
        (_post(client, "grant_type=client_credentials&grant_type=client_credentials",
               {**auth, "Content-Type": "application/x-www-form-urlencoded"}),
         400, "invalid_request"),
        (_post(client, {"grant_type": "password"}, auth), 400, "unsupported_grant_type"),
        (_post(client, cc, basic(code_only["client_id"], code_only["secret"])),
         400, "unauthorized_client"),
        # Registered for client_secret_post, authenticating with Basic.
        (_post(client, cc, basic(post_client["client_id"], post_client["secret"])),
         401, "invalid_client"),
        (_post(client, {**cc, "client_id": system["client_id"],
                        "client_secret": "not-the-secret"}), 401, "invalid_client"),
        (_post(client, {**cc, "scope": ""}, auth), 200, None),  # empty: Flask's to answer
    ]
    for n, (response, status, error) in enumerate(expected):
        assert response.status_code == status, (n, response.get_data(True))
        if error:
            assert response.get_json()["error"] == error, n
    assert flask_calls.calls == before + len(expected)
    # The post client on its own method, and the Basic client, are fast.
    assert _post(client, {**cc, "client_id": post_client["client_id"],
                          "client_secret": post_client["secret"]}).status_code == 200
    assert _grant(client, system).status_code == 200
    assert flask_calls.calls == before + len(expected)


def test_requests_this_layer_does_not_read_reach_flask(app, client, flask_calls, system):
    _grant(client, system)
    auth = basic(system["client_id"], system["secret"])
    cc = {"grant_type": "client_credentials"}
    before = flask_calls.calls
    answers = [
        client.post("/oauth/token?x=1", data=cc, headers=auth),
        client.post("/oauth/token", data=cc, headers={**auth, "Origin": "https://a.example"}),
        client.post("/oauth/token", json=cc, headers=auth),
        client.post("/oauth/token", data={**cc, "resource": "https://api"}, headers=auth),
        client.post("/oauth/token", data={**cc, "scope": "profile\u00e9"}, headers=auth),
        client.post("/oauth/token", data={**cc, "x": "y" * 9000}, headers=auth),
    ]
    assert flask_calls.calls == before + len(answers)
    # Flask read the body this layer had read before it.
    assert answers[0].status_code == 200 and answers[3].status_code == 200


@pytest.mark.parametrize("store", ["database", "redis"])
def test_a_refused_budget_is_counted_once_and_refused_by_flask(migrated, tmp_path, unique,
                                                               store):
    from admin.app import create_app

    extra = {}
    if store == "redis":
        redis = _redis()
        extra["REDIS_URL"] = REDIS_URL
    app = create_app(settings_for(migrated, TOKEN_RATE_LIMIT=3, TOKEN_RATE_WINDOW=60, **extra),
                     instance_path=tmp_path)
    try:
        calls = Counting(app.token_edge.app)
        app.token_edge.app = calls
        reg = register(app, unique, grant_types=["client_credentials"], redirect_uris=[])
        client = app.test_client()
        statuses = [_grant(client, reg).status_code for _ in range(5)]
        assert statuses == [200, 200, 200, 429, 429]
        # The first filled the cache (Flask); the two refusals were answered by Flask.
        assert calls.calls == 3
        refused = _grant(client, reg)
        assert refused.get_json()["error"] == "temporarily_unavailable"
        assert 0 < int(refused.headers["Retry-After"]) <= 60
        if store == "redis":
            # Redis counts refused hits too: six requests, each counted once (not
            # again by Flask after the fast path counted it).
            counts = [int(redis.get(k)) for k in redis.scan_iter("onegate:rl:token:*")]
            assert counts == [6]
    finally:
        app.services.engine.dispose()
        if store == "redis":
            redis.flushdb()
            redis.close()


def _redis():
    from tests.conftest import redis_or_unavailable

    redis = redis_or_unavailable(REDIS_URL)
    redis.flushdb()
    return redis


def test_revoked_foreign_and_disabled_tokens_are_flasks_to_refuse(app, client, flask_calls,
                                                                  system, unique):
    from idp import client_changes

    other = register(app, unique + "o", grant_types=["client_credentials"],
                     redirect_uris=[])
    resource = register(app, unique + "r", grant_types=["client_credentials"],
                        redirect_uris=[], scopes=["token:introspect"])
    token = _grant(client, system).get_json()["access_token"]
    for reg in (other, resource):
        _grant(client, reg)
    _introspect(client, system, token)
    before = flask_calls.calls
    # An approved resource server introspects another client's token: fast.
    assert _introspect(client, resource, token).get_json()["active"] is True
    assert flask_calls.calls == before
    # Another client may not: inactive, answered by Flask.
    assert _introspect(client, other, token).get_json() == {"active": False}
    assert flask_calls.calls == before + 1
    # Revoked: inactive at once.
    assert client.post("/oauth/revoke", data={"token": token},
                       headers=basic(system["client_id"], system["secret"])).status_code == 200
    before = flask_calls.calls
    assert _introspect(client, system, token).get_json() == {"active": False}
    assert flask_calls.calls == before + 1
    # A disabled client: its tokens inactive, and it cannot authenticate, at once.
    fresh = _grant(client, other).get_json()["access_token"]
    assert _introspect(client, other, fresh).get_json()["active"] is True
    services = idp_services(app)
    with app.app_context(), services.work() as session:
        client_changes.disable(session, services.denylist, other["client_id"])
    # The first read after the change caches the disabled row; the second meets it.
    for _ in range(2):
        assert _introspect(client, resource, fresh).get_json() == {"active": False}
    for _ in range(2):
        refused = _grant(client, other)
        assert (refused.status_code, refused.get_json()["error"]) == (401, "invalid_client")
    # Garbage and a refresh-token hint are Flask's too.
    before = flask_calls.calls
    assert _introspect(client, system, "a.b.c").get_json() == {"active": False}
    assert _introspect(client, resource, fresh, token_type_hint="refresh_token") \
        .get_json() == {"active": False}
    wrong = client.post("/oauth/introspect", data={"token": fresh},
                        headers=basic(resource["client_id"], "nope"))
    assert (wrong.status_code, wrong.get_json()["error"]) == (401, "invalid_client")
    missing = _post(client, {}, basic(resource["client_id"], resource["secret"]),
                    path="/oauth/introspect")
    assert (missing.status_code, missing.get_json()["error"]) == (400, "invalid_request")
    assert flask_calls.calls == before + 4


def test_a_rotated_secret_is_refused_at_once(app, client, flask_calls, system):
    from idp import secret_rotation

    assert _grant(client, system).status_code == 200
    services = idp_services(app)
    with app.app_context(), services.work() as session:
        _, new = secret_rotation.rotate(session, services.client_secrets,
                                        system["client_id"], timedelta(0))
    before = flask_calls.calls
    for _ in range(2):  # the second meets the row the first read cached
        refused = _grant(client, system)
        assert (refused.status_code, refused.get_json()["error"]) == (401, "invalid_client")
    # Both refusals were Flask's (the rotation emptied the cache; Flask's read refilled
    # it); the new secret is then answered before Flask.
    assert flask_calls.calls == before + 2
    assert _grant(client, {**system, "secret": new}).status_code == 200
    assert flask_calls.calls == before + 2


def test_the_setting_switches_it_off(migrated, tmp_path, unique):
    from admin.app import create_app

    app = create_app(settings_for(migrated, TOKEN_FAST_PATH="false"), instance_path=tmp_path)
    try:
        calls = Counting(app.token_edge.app)
        app.token_edge.app = calls
        reg = register(app, unique, grant_types=["client_credentials"], redirect_uris=[])
        client = app.test_client()
        assert [_grant(client, reg).status_code for _ in range(2)] == [200, 200]
        assert calls.calls == 2
    finally:
        app.services.engine.dispose()


def test_basic_credentials_parser_is_the_one_flask_uses():
    from idp.clients import basic_credentials
    from idp.errors import BasicAuthError

    assert basic_credentials(None) is None
    assert basic_credentials("Bearer x") is None
    value = base64.b64encode(b"a%3Ab:s%20t").decode()
    assert basic_credentials("Basic " + value) == ("a:b", "s t")
    for bad in ("Basic", "Basic !!", "Basic " + base64.b64encode(b"\xff:x").decode(),
                "Basic " + base64.b64encode(b"nocolon").decode()):
        with pytest.raises(BasicAuthError):
            basic_credentials(bad)


def test_with_redis_only_its_complete_denylist_answers(migrated, tmp_path, unique):
    """With Redis, an introspection is answered before Flask only while Redis holds the
    whole denylist; without the marker (a flushed Redis) Flask asks the database and
    refills it; a revocation through another worker is seen at once."""
    from admin.app import create_app
    from idp.denylist import COMPLETE_MARKER

    redis = _redis()
    apps = [create_app(settings_for(migrated, REDIS_URL=REDIS_URL),
                       instance_path=tmp_path / str(n))
            for n in range(2)]
    try:
        app, other = apps
        calls = Counting(app.token_edge.app)
        app.token_edge.app = calls
        idp_services(app).client_cache.ttl = 600
        reg = register(app, unique, grant_types=["client_credentials"], redirect_uris=[])
        client = app.test_client()
        token = _grant(client, reg).get_json()["access_token"]
        assert _introspect(client, reg, token).get_json()["active"] is True  # refills Redis
        before = calls.calls
        assert _introspect(client, reg, token).get_json()["active"] is True
        assert calls.calls == before
        revoked = other.test_client().post("/oauth/revoke", data={"token": token},
                                           headers=basic(reg["client_id"], reg["secret"]))
        assert revoked.status_code == 200
        assert _introspect(client, reg, token).get_json() == {"active": False}
        assert calls.calls == before + 1  # Flask's: the fast path saw the jti in Redis
        fresh = _grant(client, reg).get_json()["access_token"]
        assert _introspect(client, reg, fresh).get_json()["active"] is True
        assert calls.calls == before + 1
        redis.delete(COMPLETE_MARKER)  # a flushed Redis: only the database can answer
        assert _introspect(client, reg, fresh).get_json()["active"] is True
        assert calls.calls == before + 2
    finally:
        for each in apps:
            each.services.engine.dispose()
        redis.flushdb()
        redis.close()


@pytest.mark.parametrize("length", ["\u00b2", "1\u00b9", "-1", "4 ", ""])
def test_a_content_length_that_is_no_number_reaches_flask(app, flask_calls, system, length):
    """A header only a hostile client sends (superscript digits pass ``str.isdigit``):
    the layer leaves it to Flask, which answers it as an OAuth error, never a 500."""
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    environ = EnvironBuilder(path="/oauth/token", method="POST",
                             data="grant_type=client_credentials",
                             content_type="application/x-www-form-urlencoded",
                             headers=basic(system["client_id"], system["secret"])
                             ).get_environ()
    environ["CONTENT_LENGTH"] = length
    before = flask_calls.calls
    _, status, _ = run_wsgi_app(app.wsgi_app, environ, buffered=True)
    assert flask_calls.calls == before + 1
    assert int(status.split()[0]) < 500, status
