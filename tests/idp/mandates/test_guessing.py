"""Brute-forced 代办 user codes: /mandate counts wrong codes per session and address
under the same budget as /device (idp.pages.device.look_up_code), so a phone cannot
guess its way to another citizen's pending request, nor double its guesses by
alternating the two pages."""

from __future__ import annotations

import pytest

from tests.conftest import test_settings as settings_for
from tests.idp.device.helpers import signed_in_phone
from tests.idp.device.test_verification_page import _wrong_code
from tests.idp.mandates.helpers import clerk, exchange, start, station, token_for, village


@pytest.fixture
def strict_app(migrated, tmp_path):
    """An app allowing 3 wrong user codes per session (15 per address)."""
    from admin.app import create_app

    application = create_app(settings_for(migrated, USER_CODE_ATTEMPTS=3),
                             instance_path=tmp_path)
    yield application
    application.services.engine.dispose()


def test_guessed_mandate_codes_are_refused_and_share_the_device_budget(strict_app, unique):
    app = strict_app
    hall = village(app, unique)
    reg = station(app, unique, hall)
    actor = token_for(app, clerk(app, hall), reg)
    station_system, phone = app.test_client(), app.test_client()
    phone.environ_base["REMOTE_ADDR"] = f"10.79.{int(unique[:2], 16)}.{int(unique[2:4], 16)}"
    started = start(station_system, reg, actor).get_json()
    signed_in_phone(app, phone, unique)
    # A right code gives its guess back.
    assert phone.get("/mandate", query_string={"user_code": started["user_code"]}
                     ).status_code == 200
    statuses = [phone.get("/device", query_string={"user_code": _wrong_code(0)}).status_code,
                phone.get("/mandate", query_string={"user_code": _wrong_code(1)}).status_code,
                phone.get("/device", query_string={"user_code": _wrong_code(2)}).status_code]
    assert statuses == [404, 404, 404]
    refused = phone.get("/mandate", query_string={"user_code": _wrong_code(3)})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "错误代码次数过多" in refused.get_data(as_text=True)
    # Even the right code is refused now, and the request stays unanswered.
    blocked = phone.get("/mandate", query_string={"user_code": started["user_code"]})
    assert blocked.status_code == 429
    pending = exchange(station_system, reg, started["mandate_reference"], actor)
    assert pending.get_json()["error"] == "authorization_pending"
