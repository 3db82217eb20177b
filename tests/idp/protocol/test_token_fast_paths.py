"""The token and introspection fast paths (issue 9): the per-worker client cache,
the batched token budget, parsed provider keys by kid, the denylist held in Redis.
Each is checked for correctness and for its staleness bound, never for speed."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import event, update

from tests.conftest import redis_or_unavailable
from tests.conftest import test_settings as settings_for
from tests.idp.protocol.helpers import basic, register
from tests.idp.services import idp_services

REDIS_URL = os.environ.get("ONEGATE_TEST_TOKEN_REDIS", "redis://127.0.0.1:6379/14")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _grant(app, reg):
    return app.test_client().post("/oauth/token", data={"grant_type": "client_credentials"},
                                  headers=basic(reg["client_id"], reg["secret"]))


@pytest.fixture
def two_apps(migrated, tmp_path):
    """Two apps (two workers) on one database, without Redis."""
    from admin.app import create_app

    apps = [create_app(settings_for(migrated), instance_path=tmp_path / str(n))
            for n in range(2)]
    yield apps
    for app in apps:
        app.services.engine.dispose()


@pytest.fixture
def redis_apps(migrated, tmp_path):
    """Two apps on one database and one Redis."""
    from admin.app import create_app

    client = redis_or_unavailable(REDIS_URL)
    client.flushdb()
    apps = [create_app(settings_for(migrated, REDIS_URL=REDIS_URL),
                       instance_path=tmp_path / str(n)) for n in range(2)]
    yield apps, client
    for app in apps:
        app.services.engine.dispose()
    client.flushdb()
    client.close()


def _statements(app):
    seen: list[str] = []
    event.listen(app.services.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *a: seen.append(statement.lower()))
    return seen


# -- the client cache -------------------------------------------------------------


def test_a_cached_client_costs_no_sql_and_a_change_here_is_seen_at_once(two_apps, unique):
    app, _ = two_apps
    # A loaded CI machine may take longer than the 2 s TTL between two requests; the
    # bound itself is the next tests' (with a clock).
    idp_services(app).client_cache.ttl = 600
    reg = register(app, unique, grant_types=["client_credentials"], redirect_uris=[])
    assert _grant(app, reg).status_code == 200
    seen = _statements(app)
    assert _grant(app, reg).status_code == 200
    assert not [s for s in seen if "oauth_clients" in s]
    # Disabled through this app (its sessions): refused at the next request.
    with app.app_context(), app.services.sessions.begin() as session:
        from idp.clients_cli import _get
        _get(session, reg["client_id"]).disabled = True
    assert _grant(app, reg).status_code == 401


def test_a_change_elsewhere_is_seen_within_the_ttl(two_apps, unique):
    from idp.models.clients import OAuthClient

    app, other = two_apps
    cache = idp_services(app).client_cache
    clock = cache.clock = Clock()
    reg = register(app, unique, grant_types=["client_credentials"], redirect_uris=[])
    assert _grant(app, reg).status_code == 200 and _grant(other, reg).status_code == 200
    # The other worker disables the client (and rotating the secret is the same
    # path: any change of the row): it refuses at once, this one after the ttl.
    with other.services.sessions.begin() as session:
        session.execute(update(OAuthClient).where(OAuthClient.client_id == reg["client_id"])
                        .values(disabled=True))
    assert _grant(other, reg).status_code == 401
    assert _grant(app, reg).status_code == 200  # within the documented bound
    clock.now += cache.ttl + 0.01
    assert _grant(app, reg).status_code == 401


def test_a_deleted_client_and_a_rotated_secret_stop_after_the_ttl(two_apps, unique):
    from idp.models.clients import OAuthClient

    app, other = two_apps
    cache = idp_services(app).client_cache
    clock = cache.clock = Clock()
    reg = register(app, unique, grant_types=["client_credentials"], redirect_uris=[])
    gone = register(app, unique + "g", grant_types=["client_credentials"], redirect_uris=[])
    assert _grant(app, reg).status_code == 200 and _grant(app, gone).status_code == 200
    with other.services.sessions.begin() as session:
        session.execute(update(OAuthClient).where(OAuthClient.client_id == reg["client_id"])
                        .values(secret_hash=idp_services(other).client_secrets.hash("new")))
        session.delete(session.query(OAuthClient).filter_by(client_id=gone["client_id"]).one())
    clock.now += cache.ttl + 0.01
    assert _grant(app, reg).status_code == 401
    assert _grant(app, {**reg, "secret": "new"}).status_code == 200
    assert _grant(app, gone).status_code == 401


def test_unknown_client_ids_never_fill_the_cache_and_it_is_bounded(two_apps, unique):
    from idp.client_cache import ClientCache

    app, _ = two_apps
    cache = idp_services(app).client_cache
    before = len(cache)
    for n in range(50):
        assert _grant(app, {"client_id": f"nobody-{unique}-{n}", "secret": "x"}).status_code \
            == 401
    assert len(cache) == before
    small = ClientCache(max_entries=2)
    regs = [register(app, f"{unique}{n}", grant_types=["client_credentials"],
                     redirect_uris=[]) for n in range(3)]
    with app.services.sessions() as session:
        for reg in regs:
            assert small.get(session, reg["client_id"]).client_id == reg["client_id"]
        assert len(small) == 2
        assert regs[0]["client_id"] not in small._entries  # least recently used went
        assert small.get(session, "x" * 64) is None and len(small) == 2


# -- the token budget -------------------------------------------------------------


def test_batched_budget_bound_across_two_workers():
    from idp.errors import TooManyAttempts
    from idp.throttle import TokenBudget
    from idp.throttle_stores import MemoryStore

    client = redis_or_unavailable(REDIS_URL)
    client.flushdb()
    clock = Clock()
    limit = 256  # batch 8: at most limit + 2 x 7 across two workers
    workers = [TokenBudget(MemoryStore(), limit, 60, redis=client, clock=clock)
               for _ in range(2)]
    admitted = 0
    for n in range(2 * limit):
        try:
            workers[n % 2].hit("id:hall@203.0.113.9")
            admitted += 1
        except TooManyAttempts as exc:
            assert 0 < exc.retry_after <= 60
    assert limit <= admitted <= limit + 2 * 7
    clock.now += 60  # the next window
    workers[0].hit("id:hall@203.0.113.9")
    client.flushdb()
    client.close()


# -- parsed keys and the denylist ---------------------------------------------------


def _access_token(app, reg):
    response = _grant(app, reg)
    assert response.status_code == 200
    return response.json["access_token"]


def _active(app, reg, token):
    response = app.test_client().post("/oauth/introspect", data={"token": token},
                                      headers=basic(reg["client_id"], reg["secret"]))
    assert response.status_code == 200
    return response.json["active"]


def test_a_valid_token_is_introspected_without_a_database_read(redis_apps, unique):
    (app, _), _redis = redis_apps
    idp_services(app).client_cache.ttl = 600  # a loaded machine: see above
    reg = register(app, unique, grant_types=["client_credentials"], redirect_uris=[])
    token = _access_token(app, reg)
    assert _active(app, reg, token) is True  # fills the caches and the denylist copy
    seen = _statements(app)
    assert _active(app, reg, token) is True
    assert seen == []


def _sessions_opened(app):
    opened: list[object] = []
    event.listen(app.services.sessions, "after_transaction_create",
                 lambda session, transaction: opened.append(session)
                 if transaction.parent is None else None)
    return opened


def test_a_cached_grant_and_introspection_open_no_session(redis_apps, unique):
    """Not even an empty transaction: the client cache asks the unit of work for its
    session only on a miss (the session's begin and commit were 15 % of a grant)."""
    (app, _), _redis = redis_apps
    idp_services(app).client_cache.ttl = 600  # a loaded machine: see above
    reg = register(app, unique, grant_types=["client_credentials"], redirect_uris=[])
    token = _access_token(app, reg)
    assert _active(app, reg, token) is True
    opened = _sessions_opened(app)
    assert _grant(app, reg).status_code == 200
    assert _active(app, reg, token) is True
    assert opened == []


def test_revocation_through_one_worker_is_seen_by_the_other_at_once(redis_apps, unique):
    (app, other), redis = redis_apps
    reg = register(app, unique, grant_types=["client_credentials"], redirect_uris=[])
    token = _access_token(app, reg)
    assert _active(other, reg, token) is True
    revoked = app.test_client().post("/oauth/revoke", data={"token": token},
                                     headers=basic(reg["client_id"], reg["secret"]))
    assert revoked.status_code == 200
    assert _active(other, reg, token) is False
    # A flushed Redis loses the copy: the database answers, and the copy is refilled.
    redis.flushdb()
    idp_services(other).denylist._next_refill = 0.0  # a refill at most once a second
    assert _active(other, reg, token) is False
    assert redis.exists("onegate:revoked-jti:complete")
    assert _active(other, reg, token) is False


def test_a_failed_redis_write_makes_readers_ask_the_database(redis_apps, unique):
    from redis.exceptions import ConnectionError as RedisConnectionError

    from idp.denylist import COMPLETE_MARKER

    (app, other), redis = redis_apps
    reg = register(app, unique, grant_types=["client_credentials"], redirect_uris=[])
    token = _access_token(app, reg)
    assert _active(other, reg, token) is True
    assert redis.exists(COMPLETE_MARKER)
    denylist = idp_services(app).denylist
    real = denylist.redis

    class Failing:
        def set(self, *a, **k):
            raise RedisConnectionError("down for a moment")

        def delete(self, *names):
            return real.delete(*names)

    denylist.redis = Failing()
    try:
        revoked = app.test_client().post("/oauth/revoke", data={"token": token},
                                         headers=basic(reg["client_id"], reg["secret"]))
        assert revoked.status_code == 200
    finally:
        denylist.redis = real
    assert not redis.exists(COMPLETE_MARKER)
    assert _active(other, reg, token) is False


def test_a_key_revoked_here_stops_at_once_and_elsewhere_within_the_recheck(
        two_apps, unique):
    app, other = two_apps
    reg = register(app, unique, grant_types=["client_credentials"], redirect_uris=[])
    token = _access_token(app, reg)
    assert _active(app, reg, token) is True and _active(other, reg, token) is True
    kid = __import__("jwt").get_unverified_header(token)["kid"]
    with app.app_context(), idp_services(app).work():
        app.services.keyring.revoke(kid)
        # The database is shared with later tests: give the provider a signer again.
        app.services.keyring.ensure("provider", "ES256")
    assert _active(app, reg, token) is False  # this ring's generation moved
    assert _active(other, reg, token) is True  # held at most KEY_RECHECK_SECONDS
    keys = other.services.access_tokens._keys
    keys[kid] = (0.0, *keys[kid][1:])  # the recheck time has come
    assert _active(other, reg, token) is False
    assert kid not in keys
    assert _active(other, reg, token) is False


def test_a_revocation_lost_by_redis_is_seen_here_at_once_elsewhere_within_the_marker_ttl(
        redis_apps, unique):
    from redis.exceptions import ConnectionError as RedisConnectionError

    from idp.denylist import COMPLETE_MARKER, MARKER_TTL

    (app, other), redis = redis_apps
    reg = register(app, unique, grant_types=["client_credentials"], redirect_uris=[])
    token = _access_token(app, reg)
    assert _active(other, reg, token) is True
    assert 0 < redis.ttl(COMPLETE_MARKER) <= MARKER_TTL
    denylist = idp_services(app).denylist
    real = denylist.redis

    class Down:
        def __getattr__(self, name):
            def fail(*a, **k):
                raise RedisConnectionError("unreachable")
            return fail

    denylist.redis = Down()
    try:
        revoked = app.test_client().post("/oauth/revoke", data={"token": token},
                                         headers=basic(reg["client_id"], reg["secret"]))
        assert revoked.status_code == 200
    finally:
        denylist.redis = real  # Redis is back, without the revocation's key
    assert redis.exists(COMPLETE_MARKER)
    assert _active(other, reg, token) is True  # the stated bound: until the marker ends
    redis.delete(COMPLETE_MARKER)  # what MARKER_TTL does
    idp_services(other).denylist._next_refill = 0.0
    assert _active(other, reg, token) is False
    redis.flushdb()  # and the revoking worker, which saw Redis fail, asks the database
    redis.set(COMPLETE_MARKER, 1)
    assert _active(app, reg, token) is False
