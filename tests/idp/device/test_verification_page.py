"""``/device`` on the phone: login first (honouring acr), CSRF, the terminal shown,
brute-forced user codes refused per session and per address, both languages."""

from __future__ import annotations

import pytest

from tests.conftest import test_settings as settings_for
from tests.idp.accounts.factories import csrf
from tests.idp.device.helpers import poll, signed_in_phone, start, terminal_client


def _wrong_code(n: int) -> str:
    letters = "BCDFGHJKLMNPQRSTVWXZ"
    return "ZZZZ" + "".join(letters[(n // 20 ** i) % 20] for i in range(4))


def test_signed_out_phone_logs_in_first_and_comes_back(app, terminal, phone, unique):
    reg = terminal_client(app, unique)
    code = start(terminal, reg).json["user_code"]
    response = phone.get("/device", query_string={"user_code": code.lower()})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert "user_code%3D" + code in response.headers["Location"]


def test_loa2_request_steps_the_phone_up(app, terminal, phone, unique):
    reg = terminal_client(app, unique)
    code = start(terminal, reg, acr_values="loa-2").json["user_code"]
    signed_in_phone(app, phone, unique)
    response = phone.get("/device", query_string={"user_code": code})
    assert response.status_code == 302 and "acr=loa-2" in response.headers["Location"]


def test_decision_without_csrf_is_refused_and_nothing_changes(app, terminal, phone, unique):
    reg = terminal_client(app, unique)
    body = start(terminal, reg).json
    signed_in_phone(app, phone, unique)
    forged = phone.post("/device", data={"user_code": body["user_code"], "decision": "allow"})
    assert forged.status_code == 400
    assert poll(terminal, reg, body["device_code"]).json["error"] == "authorization_pending"


def test_malformed_code_is_explained(app, phone, unique):
    signed_in_phone(app, phone, unique)
    page = phone.get("/device", query_string={"user_code": "12345"})
    assert page.status_code == 400 and "BCDF-GHJK" in page.get_data(as_text=True)


def test_entering_the_code_by_hand(app, terminal, phone, unique):
    reg = terminal_client(app, unique)
    code = start(terminal, reg).json["user_code"]
    signed_in_phone(app, phone, unique)
    form = phone.get("/device")
    assert form.status_code == 200 and 'id="user_code"' in form.get_data(as_text=True)
    typed = phone.post("/device", data={"csrf_token": csrf(form.get_data(as_text=True)),
                                        "user_code": " " + code.lower() + " "})
    assert typed.status_code == 200 and 'name="decision"' in typed.get_data(as_text=True)


def test_english_page(app, terminal, phone, unique):
    reg = terminal_client(app, unique)
    code = start(terminal, reg).json["user_code"]
    signed_in_phone(app, phone, unique)
    page = phone.get("/device", query_string={"user_code": code, "ui_locales": "en"})
    html = page.get_data(as_text=True)
    assert '<html lang="en">' in html and "Sign in at this terminal?" in html
    zh = phone.get("/device", query_string={"user_code": code, "ui_locales": "zh-CN"})
    assert "在这台自助终端上登录？" in zh.get_data(as_text=True)


@pytest.fixture
def strict_app(migrated, tmp_path):
    """An app allowing 3 wrong user codes per session (15 per address)."""
    from admin.app import create_app

    application = create_app(settings_for(migrated, USER_CODE_ATTEMPTS=3),
                             instance_path=tmp_path)
    yield application
    application.services.engine.dispose()


def test_brute_force_refused_per_session(strict_app, unique):
    app = strict_app
    terminal, phone = app.test_client(), app.test_client()
    phone.environ_base["REMOTE_ADDR"] = f"10.77.{int(unique[:2], 16)}.{int(unique[2:4], 16)}"
    reg = terminal_client(app, unique)
    body = start(terminal, reg).json
    signed_in_phone(app, phone, unique)
    # A right code gives its guess back: it never counts against the person.
    assert phone.get("/device", query_string={"user_code": body["user_code"]}).status_code == 200
    for n in range(3):
        wrong = phone.get("/device", query_string={"user_code": _wrong_code(n)})
        assert wrong.status_code == 404, n
    refused = phone.get("/device", query_string={"user_code": _wrong_code(99)})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "错误代码次数过多" in refused.get_data(as_text=True)
    # Even the right code is refused now: guessing cannot go on.
    blocked = phone.get("/device", query_string={"user_code": body["user_code"]})
    assert blocked.status_code == 429
    assert poll(terminal, reg, body["device_code"]).json["error"] == "authorization_pending"


def test_brute_force_refused_per_address(strict_app, unique):
    """New sessions from one address share its budget (5 x 3 wrong codes)."""
    app = strict_app
    address = f"10.88.{int(unique[:2], 16)}.{int(unique[2:4], 16) or 1}"
    statuses = []
    for n in range(6):
        phone = app.test_client()
        phone.environ_base["REMOTE_ADDR"] = address
        signed_in_phone(app, phone, f"{unique}{n}")
        for m in range(3):
            statuses.append(phone.get("/device", query_string={
                "user_code": _wrong_code(n * 10 + m)}).status_code)
    assert statuses[:15] == [404] * 15
    assert set(statuses[15:]) == {429}


def test_the_phone_is_shown_the_hall_the_terminal_is_registered_in(app, terminal, phone,
                                                                   unique):
    """RFC 8628 section 5.4 (remote phishing): the person sees where the terminal
    stands. A terminal registered in a hall shows the hall's registered name."""
    from sqlalchemy import update

    from idp import halls
    from idp.models.clients import OAuthClient

    reg = terminal_client(app, unique, name=f"1 号自助机 {unique}")
    with app.services.unit_of_work.scope():
        session = app.services.unit_of_work.session()
        halls.add(session, f"h{unique}", f"顺德区行政服务中心 {unique}", "county")
        session.execute(update(OAuthClient).where(OAuthClient.client_id == reg["client_id"])
                        .values(hall_code=f"h{unique}"))
    code = start(terminal, reg).json["user_code"]
    signed_in_phone(app, phone, unique)
    html = phone.get("/device", query_string={"user_code": code}).get_data(as_text=True)
    assert f"顺德区行政服务中心 {unique}" in html and f"1 号自助机 {unique}" in html
