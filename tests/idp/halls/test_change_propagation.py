"""A change of a client made by one process reaches every other at once: the commit
is announced on Redis and each process's client cache (and the CORS origins that
follow it) empties on receipt. Without Redis the cache's TTL is the bound
(tests/idp/protocol/test_token_fast_paths.py)."""

from __future__ import annotations

import os
import threading

import pytest

from tests.conftest import redis_or_unavailable
from tests.conftest import test_settings as settings_for
from tests.idp.halls.helpers import run_json
from tests.idp.protocol.helpers import basic, register
from tests.idp.services import idp_services

REDIS_URL = os.environ.get("ONEGATE_TEST_REDIS", "redis://127.0.0.1:6379/7")


@pytest.fixture
def redis_apps(migrated, tmp_path):
    """Two apps (two workers) on one database and one Redis."""
    from admin.app import create_app

    redis_or_unavailable(REDIS_URL).close()
    apps = [create_app(settings_for(migrated, REDIS_URL=REDIS_URL),
                       instance_path=tmp_path / str(n)) for n in range(2)]
    yield apps
    for app in apps:
        app.services.engine.dispose()


def _grant(app, reg):
    return app.test_client().post("/oauth/token", data={"grant_type": "client_credentials"},
                                  headers=basic(reg["client_id"], reg["secret"]))


def _following(app) -> threading.Event:
    """An event set when ``app``'s client cache is next emptied, once it listens."""
    from idp.client_cache import changes_channel

    cache = idp_services(app).client_cache
    redis = idp_services(app).redis
    channel = changes_channel(redis)
    waited = threading.Event()
    for _ in range(200):  # poll the subscription, as one polls a server's health
        if dict(redis.pubsub_numsub(channel)).get(channel.encode(), 0) >= 1:
            break
        waited.wait(0.01)
    emptied = threading.Event()
    original = cache.invalidate

    def invalidate():
        original()
        emptied.set()

    cache.invalidate = invalidate
    return emptied


def test_a_disable_elsewhere_is_refused_at_once_without_waiting_for_the_ttl(
        redis_apps, unique):
    from tests.idp.protocol.test_token_fast_paths import Clock

    app, other = redis_apps
    clock = idp_services(app).client_cache.clock = Clock()  # the TTL never runs out
    reg = register(app, unique, grant_types=["client_credentials"], redirect_uris=[],
                   scopes=["licences:read"])
    assert _grant(app, reg).status_code == 200  # cached here, and following changes
    emptied = _following(app)
    run_json(other, "disable", reg["client_id"])
    assert emptied.wait(10)
    assert _grant(app, reg).status_code == 401 and clock.now == 1000.0
    emptied.clear()
    rotated = run_json(other, "rotate-secret", reg["client_id"], "--overlap", "0")
    run_json(other, "enable", reg["client_id"])
    assert emptied.wait(10)
    assert _grant(app, {**reg, "secret": rotated["client_secret"]}).status_code == 200


def test_an_origin_edited_in_elsewhere_is_allowed_at_once(redis_apps, unique):
    app, other = redis_apps
    reg = register(app, unique)
    origin = f"https://moved-{unique}.example.cn"
    preflight = {"Origin": origin, "Access-Control-Request-Method": "POST"}
    assert "Access-Control-Allow-Origin" not in app.test_client().options(
        "/oauth/token", headers=preflight).headers
    run_json(other, "edit", reg["client_id"], "--redirect-uri", origin + "/cb")
    allowed = app.test_client().options("/oauth/token", headers=preflight)
    assert allowed.headers["Access-Control-Allow-Origin"] == origin
    _grant(app, {**reg})  # the cache follows changes from here on
    emptied = _following(app)
    run_json(other, "disable", reg["client_id"])
    assert emptied.wait(10)
    gone = app.test_client().options("/oauth/token", headers=preflight)
    assert "Access-Control-Allow-Origin" not in gone.headers
