"""Status freshness through shared version stamps in Redis (credentials.status_stamps):
a revocation made through one app instance is seen by another at once, with no
database read while the stamp vouches for the held bits; a lost or garbled stamp, an
absent key or Redis down fall back to the database; the staleness bound when a raise
is lost is ``recheck`` seconds; an anonymous verification opens no transaction."""

from __future__ import annotations

import os
import secrets

import pytest
from sqlalchemy import event

from admin.app import create_app
from credentials import status
from credentials.formats import status_list
from credentials.status_stamps import StatusStamps, fresh_state, publish_changes
from tests import conftest
from tests.conftest import redis_or_unavailable
from tests.credentials.helpers import dept_headers, make_department
from verify.errors import StatusUnavailable
from verify.online import LocalStatusSource

REDIS_URL = os.environ.get("ONEGATE_TEST_REDIS", "redis://127.0.0.1:6379/12")
DEAD_REDIS_URL = "redis://127.0.0.1:1/12"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def redis_client():
    client = redis_or_unavailable(REDIS_URL)
    yield client
    client.close()


@pytest.fixture
def stamps(app, redis_client):
    """Stamps under a prefix of this test's own, published on commits of ``app``."""
    made = StatusStamps(redis_client, prefix=f"test:stamps:{secrets.token_hex(4)}:",
                        clock=Clock())
    publish_changes(app.services.sessions, made)
    return made


class SqlCount:
    def __init__(self, engine) -> None:
        self.statements = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args, **kwargs) -> None:
        self.statements += 1


def _issue(client, app, dept) -> dict:
    licence = client.post("/api/v1/licenses", json=dept.body(),
                          headers=dept_headers(app, dept)).get_json()
    return licence


def _change(client, app, dept, identifier: str, action: str) -> None:
    response = client.post(f"/api/v1/licenses/{identifier}/{action}", json={"reason": "测试"},
                           headers=dept_headers(app, dept))
    assert response.status_code == 200, response.get_data(as_text=True)


def _source(app, cache, stamps) -> LocalStatusSource:
    return LocalStatusSource(lambda: app.services.sessions(), app.services.keyring,
                             "http://localhost", cache=cache, stamps=stamps)


def test_held_bits_are_used_without_a_database_read_while_the_stamp_matches(
        client, app, dept, stamps):
    licence = _issue(client, app, dept)
    idx, uri = licence["status"]["idx"], licence["status"]["uri"]
    list_id = uri.rsplit("/", 1)[-1]
    source = _source(app, status.SignedListCache(), stamps)
    assert source.status_bits(uri)[1].get(idx) == status_list.VALID  # reads, raises stamp
    assert stamps.read(list_id) is not None
    sql = SqlCount(app.services.engine)
    for _ in range(3):
        assert source.status_bits(uri)[1].get(idx) == status_list.VALID
    assert sql.statements == 0


def test_a_change_through_another_instance_is_seen_at_once(client, app, dept, stamps):
    licence = _issue(client, app, dept)
    idx, uri = licence["status"]["idx"], licence["status"]["uri"]
    # Two workers: each its own cache, the same stamps (Redis) and database.
    first = _source(app, status.SignedListCache(), stamps)
    second = _source(app, status.SignedListCache(), stamps)
    assert first.status_bits(uri)[1].get(idx) == status_list.VALID
    assert second.status_bits(uri)[1].get(idx) == status_list.VALID
    _change(client, app, dept, licence["identifier"], "suspend")  # commit raises the stamp
    assert first.status_bits(uri)[1].get(idx) == status_list.SUSPENDED
    assert second.status_bits(uri)[1].get(idx) == status_list.SUSPENDED
    _change(client, app, dept, licence["identifier"], "revoke")
    assert second.status_bits(uri)[1].get(idx) == status_list.INVALID
    assert first.status_bits(uri)[1].get(idx) == status_list.INVALID


def test_a_rolled_back_change_raises_no_stamp(client, app, dept, stamps):
    licence = _issue(client, app, dept)
    list_id = licence["status"]["uri"].rsplit("/", 1)[-1]
    _source(app, status.SignedListCache(), stamps).status_bits(licence["status"]["uri"])
    before = stamps.read(list_id)
    with app.services.sessions() as session:
        status.record_change(session, list_id)
        assert session.info[status.CHANGED_KEY] == {list_id: before + 1}
        session.rollback()
        assert status.CHANGED_KEY not in session.info
    assert stamps.read(list_id) == before


@pytest.mark.parametrize("garbage", [None, b"not a number", b"-5"])
def test_an_absent_or_garbled_stamp_falls_back_to_the_database_and_heals(
        client, app, dept, stamps, redis_client, garbage):
    licence = _issue(client, app, dept)
    idx, uri = licence["status"]["idx"], licence["status"]["uri"]
    list_id = uri.rsplit("/", 1)[-1]
    source = _source(app, status.SignedListCache(), stamps)
    source.status_bits(uri)
    version = stamps.read(list_id)
    if garbage is None:
        redis_client.delete(stamps.prefix + list_id)
    else:
        redis_client.set(stamps.prefix + list_id, garbage)
    sql = SqlCount(app.services.engine)
    assert source.status_bits(uri)[1].get(idx) == status_list.VALID
    assert sql.statements >= 1  # the stamp did not vouch: the database answered
    if garbage != b"not a number":  # a number (or nothing) is raised back to the truth
        assert stamps.read(list_id) == version


def test_a_lost_raise_is_bounded_by_recheck_seconds(client, app, dept, redis_client):
    stamps = StatusStamps(redis_client, prefix=f"test:stamps:{secrets.token_hex(4)}:",
                          clock=Clock(), recheck=1.0)
    licence = _issue(client, app, dept)  # no publish_changes: every raise is "lost"
    idx, uri = licence["status"]["idx"], licence["status"]["uri"]
    source = _source(app, status.SignedListCache(), stamps)
    assert source.status_bits(uri)[1].get(idx) == status_list.VALID
    _change(client, app, dept, licence["identifier"], "revoke")
    stamps.clock.now += 0.5
    assert source.status_bits(uri)[1].get(idx) == status_list.VALID  # stale, within bound
    stamps.clock.now += 0.6
    assert source.status_bits(uri)[1].get(idx) == status_list.INVALID


def test_redis_down_reads_the_database_and_leaves_redis_alone_for_a_pause(client, app, dept):
    import redis

    dead = redis.Redis.from_url(DEAD_REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
    stamps = StatusStamps(dead, clock=Clock(), pause=5.0)
    publish_changes(app.services.sessions, stamps)  # a raise that fails must not fail a commit
    licence = _issue(client, app, dept)
    idx, uri = licence["status"]["idx"], licence["status"]["uri"]
    source = _source(app, status.SignedListCache(), stamps)
    assert source.status_bits(uri)[1].get(idx) == status_list.VALID
    assert not stamps._usable()
    _change(client, app, dept, licence["identifier"], "revoke")
    assert source.status_bits(uri)[1].get(idx) == status_list.INVALID  # from the database
    stamps.clock.now += 5.0
    assert stamps._usable()


@pytest.mark.parametrize("bad", ["", "a" * 5000, "\x00", "../x", 7])
def test_hostile_list_ids_touch_neither_redis_nor_the_database(stamps, bad):
    def no_session():
        raise AssertionError("a hostile list id must not reach the database")

    assert fresh_state(no_session, bad, status.SignedListCache(), stamps) is None


@pytest.mark.parametrize("bad", ["", "nope", "a" * 5000, "\x00", "../x"])
def test_unknown_or_hostile_uris_are_unavailable_with_stamps(app, stamps, bad):
    with pytest.raises(StatusUnavailable):
        _source(app, status.SignedListCache(), stamps).status_bits(
            "http://localhost/issuers/x/status/" + bad)


def test_the_served_app_wires_stamps_and_an_anonymous_verification_opens_no_transaction(
        migrated, tmp_path, redis_client):
    redis_client.flushdb()
    served = create_app(conftest.test_settings(migrated, REDIS_URL=REDIS_URL),
                        instance_path=tmp_path)
    try:
        web = served.test_client()
        dept = make_department(served, secrets.token_hex(4))
        licence = _issue(web, served, dept)

        def verify() -> str:
            response = web.post("/api/v1/verify", json={"credential": licence["sd_jwt"]})
            assert response.status_code == 200
            return response.get_json()["status"]

        assert verify() == "valid"
        sql = SqlCount(served.services.engine)
        assert verify() == "valid"
        assert sql.statements == 0  # rate limit batched, trust held, stamp vouches
        _change(web, served, dept, licence["identifier"], "revoke")
        assert verify() == "revoked"
    finally:
        served.services.engine.dispose()


def test_formatted_list_urls_are_bounded(app, monkeypatch):
    from verify import online

    monkeypatch.setattr(online, "MAX_URIS", 3)
    source = _source(app, status.SignedListCache(), None)
    for i in range(10):
        uri, issuer = source._urls("dept", f"list{i}")
        assert uri.endswith(f"/issuers/dept/status/list{i}") and issuer.endswith("/dept")
    assert len(source._uris) <= 3
