"""The dashboard's pure parts: keys due for rotation, health, metrics without a
database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from admin.console.business_metrics import BusinessCollector
from admin.console.key_ages import WARN_DAYS, due_for_rotation
from admin.health import system_health
from edge.unit_of_work import UnitOfWork
from keys.record import KeyRecord, KeyState

NOW = datetime(2026, 11, 29, tzinfo=UTC)
EVERY = 90 * 86400


def _key(kid: str, owner: str, state: KeyState, age_days: int, alg: str = "ES256"):
    at = NOW - timedelta(days=age_days)
    return KeyRecord(kid=kid, owner=owner, alg=alg, state=state, public_jwk={},
                     encrypted_private=b"", created_at=at, activates_at=at)


def test_due_keys_overdue_first_and_a_waiting_next_key_settles_it():
    records = [_key("old", "dept:a", KeyState.ACTIVE, 100),
               _key("soon", "provider", KeyState.ACTIVE, 90 - WARN_DAYS + 1, "RS256"),
               _key("young", "dept:b", KeyState.ACTIVE, 10),
               _key("replaced", "dept:c", KeyState.ACTIVE, 120),
               _key("next", "dept:c", KeyState.NEXT, 0),
               _key("retired", "dept:d", KeyState.RETIRED, 400)]
    due = due_for_rotation(records, EVERY, NOW)
    assert [k.kid for k in due] == ["old", "soon"]
    assert due[0].overdue(NOW) and not due[1].overdue(NOW)


class FakeRedis:
    def __init__(self, fails: bool):
        self.fails = fails

    def ping(self):
        import redis

        if self.fails:
            raise redis.ConnectionError("down")
        return True


def test_health_reports_each_part(app):
    services = app.services
    healthy = system_health(services.engine, FakeRedis(False), services.sessions)
    assert healthy["database"] == "ok" and healthy["redis"] == "ok"
    assert system_health(services.engine, FakeRedis(True), services.sessions)["redis"] == \
        "unreachable"
    assert system_health(services.engine, None, services.sessions)["redis"] == "not configured"
    broken = create_engine("sqlite:////nonexistent-dir/x.db")
    down = system_health(broken, None, sessionmaker(broken))
    assert down["database"] == "unreachable" and down["backchannel"] == "unreachable"


def test_business_metrics_without_a_database_yield_nothing():
    broken = create_engine("sqlite:////nonexistent-dir/x.db")
    assert list(BusinessCollector(UnitOfWork(sessionmaker(broken))).collect()) == []


def test_health_states_and_licence_events_are_named_in_the_pages_language(app):
    from admin.console import labels

    with app.test_request_context("/admin/", headers={"Accept-Language": "zh-CN"}):
        assert [labels.health_state_label(s) for s in ("ok", "not configured", "unreachable")] \
            == ["正常", "未配置", "无法连接"]
        assert labels.health_state_label("3 pending, 1 failed") == "3 条待发送，1 条失败"
        assert labels.health_state_label("something new") == "something new"
        assert [labels.history_label(a) for a in ("issue", "suspend", "revoke")] == \
            ["签发", "已暂停", "已吊销"]
        assert labels.use_label("retrieve") == "调取" and labels.use_result_label("valid") == "有效"
    with app.test_request_context("/admin/?ui_locales=en"):
        assert labels.health_state_label("3 pending, 1 failed") == "3 pending, 1 failed"
        assert labels.history_label("reinstate") == "reinstated"
