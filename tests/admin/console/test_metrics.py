"""Business counters on /metrics, and /metrics restricted to networks and a token."""

from __future__ import annotations

import re

import pytest

from admin.app import create_app
from tests import conftest
from tests.admin.console.helpers import live_sso_session, make_staff


def _value(text: str, name: str, label: str, value: str) -> float:
    found = re.search(rf'^{name}{{{label}="{re.escape(value)}"}} ([0-9.e+]+)$', text, re.M)
    return float(found.group(1)) if found else 0.0


def test_login_and_hall_counters_follow_the_records(app, places):
    import secrets

    from idp.clients_cli import NewClient, create
    from idp.models.sso_sessions import SsoParticipant

    client = app.test_client()
    text = client.get("/metrics").get_data(as_text=True)
    before = _value(text, "onegate_logins_total", "acr", "loa-2")
    assert _value(text, "onegate_hall_signins_total", "hall", places["hall"]) == 0
    member = make_staff(app, [])
    sid = live_sso_session(app, member["id"])
    with app.idp_services.work() as session:
        hall_client, _ = create(session, NewClient(
            name="测试大厅系统", client_id="hall-rp-" + secrets.token_hex(4),
            redirect_uris=["https://hall.example.cn/callback"]),
            app.idp_services.client_secrets)
        hall_client.hall_code = places["hall"]
        session.add(SsoParticipant(sid=sid, client_id=hall_client.client_id))
    text = client.get("/metrics").get_data(as_text=True)
    assert _value(text, "onegate_logins_total", "acr", "loa-2") == before + 1
    assert _value(text, "onegate_hall_signins_total", "hall", places["hall"]) == 1
    assert "# TYPE onegate_licences_issued_total counter" in text
    assert "# TYPE onegate_verifications_recorded_total counter" in text


@pytest.fixture
def metrics_app(migrated, tmp_path):
    made = []

    def _make(**settings):
        application = create_app(conftest.test_settings(migrated, **settings),
                                 instance_path=tmp_path)
        made.append(application)
        return application.test_client()

    yield _make
    for application in made:
        application.services.engine.dispose()


def test_networks(metrics_app):
    assert metrics_app(METRICS_ALLOW="10.0.0.0/8").get("/metrics").status_code == 403
    allowed = metrics_app(METRICS_ALLOW="10.0.0.0/8, 127.0.0.0/8")
    assert allowed.get("/metrics").status_code == 200
    other = metrics_app(METRICS_ALLOW="10.0.0.0/8")
    assert other.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200


def test_token(metrics_app):
    client = metrics_app(METRICS_TOKEN="s3cret-metrics-token")
    refused = client.get("/metrics")
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Basic s3cret-metrics-token"}
                      ).status_code == 401
    ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"})
    assert ok.status_code == 200 and b"onegate_http_requests_total" in ok.data


def test_network_and_token_together(metrics_app):
    client = metrics_app(METRICS_ALLOW="127.0.0.1/32", METRICS_TOKEN="tok")
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer tok"}).status_code == 200
    assert client.get("/metrics", headers={"Authorization": "Bearer tok"},
                      environ_base={"REMOTE_ADDR": "192.0.2.1"}).status_code == 403


def test_bad_cidr_is_a_config_error(migrated, tmp_path):
    from admin.settings import ConfigError

    with pytest.raises(ConfigError, match="METRICS_ALLOW"):
        create_app(conftest.test_settings(migrated, METRICS_ALLOW="10.0.0.0/33"),
                   instance_path=tmp_path)
