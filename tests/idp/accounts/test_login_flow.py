import time
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest

from idp import sso
from tests.idp.accounts.factories import login, make_person, submit_code
from tests.idp.services import sso_sessions


def _sso_cookie(response) -> str:
    cookies = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("onegate_sso=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]


def test_login_with_username_id_number_or_phone(app, unique):
    person = make_person(app, unique)
    for text in (person["username"].upper(), person["id_number"], person["phone"][3:]):
        response = login(app.test_client(), text)
        assert response.status_code == 302 and response.headers["Location"] == "/account", text


def test_sso_cookie_flags_and_signature(app, client, unique):
    person = make_person(app, unique)
    cookie = _sso_cookie(login(client, person["username"]))
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
    assert "secure" not in flags  # the test issuer is http://localhost
    value = cookie.split(";")[0].split("=", 1)[1]
    sid = value.rsplit(".", 1)[0]
    assert len(sid) == 32
    page = client.get("/account")
    assert page.status_code == 200 and "张三" in page.get_data(as_text=True)
    forged = app.test_client()
    forged.set_cookie("onegate_sso", sid + ".forged", domain="localhost")
    assert forged.get("/account").status_code == 302


def test_secure_flag_with_https_issuer(migrated, tmp_path, unique):
    from admin.app import create_app
    from tests.conftest import test_settings

    secure_app = create_app(test_settings(migrated, ISSUER="https://id.example.cn"),
                            instance_path=tmp_path)
    person = make_person(secure_app, unique)
    client = secure_app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    response = login(client, person["username"], base_url="https://id.example.cn")
    assert "secure" in [p.strip().lower() for p in _sso_cookie(response).split(";")]
    secure_app.services.engine.dispose()


def test_wrong_password_and_unknown_user_get_the_same_page(app, client, unique):
    person = make_person(app, unique)
    wrong = login(client, person["username"], "not the password")
    unknown = login(client, f"ghost{unique}", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名或密码错误" in wrong.get_data(as_text=True)
    assert _strip_form(wrong) == _strip_form(unknown).replace(f"ghost{unique}",
                                                               person["username"])


def _strip_form(response) -> str:
    import re

    return re.sub(r'value="[^"]{40,}"', "", response.get_data(as_text=True))


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "javascript:alert(1)", "http:/evil"])
def test_open_redirects_are_refused(app, client, unique, target):
    person = make_person(app, unique)
    response = login(client, person["username"], next=target)
    assert response.headers["Location"] == "/account"


def test_next_path_is_followed(app, client, unique):
    person = make_person(app, unique)
    response = login(client, person["username"], next="/authorize?client_id=x&state=1")
    assert response.headers["Location"] == "/authorize?client_id=x&state=1"


def test_totp_login_then_sso_without_password(app, client, unique):
    person = make_person(app, unique, with_totp=True)
    first = login(client, person["username"], next="/somewhere")
    assert first.status_code == 302 and first.headers["Location"] == "/login/totp"
    done = submit_code(client, pyotp.TOTP(person["totp_secret"]).now())
    assert done.headers["Location"] == "/somewhere"
    again = client.get("/login", query_string={"next": "/elsewhere", "acr": "loa-2"})
    assert again.status_code == 302 and again.headers["Location"] == "/elsewhere"
    with app.test_request_context(headers={"Cookie": _cookie_header(client)}), \
            sso_sessions(app) as sessions:
        live = sessions.current_session()
        assert live.acr == "loa-2" and live.amr == ["pwd", "otp"] and live.sub == person["sub"]


def _cookie_header(client) -> str:
    cookie = client.get_cookie("onegate_sso")
    return f"onegate_sso={cookie.value}"


def test_totp_wrong_code_and_recovery_code(app, client, unique):
    person = make_person(app, unique, with_totp=True)
    login(client, person["username"])
    wrong = submit_code(client, "000000" if pyotp.TOTP(person["totp_secret"]).now() != "000000"
                        else "111111")
    assert wrong.status_code == 401 and "验证码错误或已被使用" in wrong.get_data(as_text=True)
    assert submit_code(client, person["recovery_codes"][3]).status_code == 302
    other = app.test_client()
    login(other, person["username"])
    assert submit_code(other, person["recovery_codes"][3]).status_code == 401


def test_step_up_asks_only_for_the_code(app, client, unique):
    person = make_person(app, unique, with_totp=True)
    with app.services.sessions.begin() as session:
        from idp.models.accounts import Account
        account = session.get(Account, person["id"])
    # Start a loa-1 session directly (as if TOTP had been enrolled after login).
    with app.test_request_context(), sso_sessions(app) as sessions:
        view = sessions.start_session(account, amr=["pwd"], acr="loa-1")
        value = sessions.cookie_value(view.sid)
    client.set_cookie("onegate_sso", value, domain="localhost")
    step_up = client.get("/login", query_string={"next": "/x", "acr": "loa-2"})
    assert step_up.headers["Location"] == "/login/totp"
    done = submit_code(client, pyotp.TOTP(person["totp_secret"]).now())
    assert done.headers["Location"] == "/x"
    assert client.get_cookie("onegate_sso").value == value  # same sid, now loa-2
    with app.test_request_context(), sso_sessions(app) as sessions:
        assert sessions.load_session(view.sid).acr == "loa-2"


def test_loa2_without_totp_offers_enrolment(app, client, unique):
    person = make_person(app, unique)
    response = login(client, person["username"], acr="loa-2", next="/after")
    body = response.get_data(as_text=True)
    assert response.status_code == 403 and "/account/totp/enrol?next=/after" in body
    enrol = client.get("/account/totp/enrol?next=/after")
    assert enrol.status_code == 200 and "/account/totp/qr.svg" in enrol.get_data(as_text=True)
    qr = client.get("/account/totp/qr.svg")
    assert qr.mimetype == "image/svg+xml"
    secret = _secret_from(enrol.get_data(as_text=True))
    from tests.idp.accounts.factories import csrf
    confirm = client.post("/account/totp/enrol", data={
        "csrf_token": csrf(enrol.get_data(as_text=True)), "next": "/after",
        "code": pyotp.TOTP(secret).now()})
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and page.count("<li><code>") == 10 and 'href="/after"' in page
    assert client.get("/login", query_string={"next": "/after", "acr": "loa-2"}) \
        .headers["Location"] == "/after"


def _secret_from(html: str) -> str:
    import re

    found = re.search(r'<code class="secret[^"]*">([A-Z2-7 ]+)</code>', html)
    return found.group(1).replace(" ", "")


def test_force_reauthentication_keeps_sid_and_updates_auth_time(app, client, unique):
    person = make_person(app, unique)
    login(client, person["username"])
    before = client.get_cookie("onegate_sso").value
    with app.test_request_context(headers={"Cookie": f"onegate_sso={before}"}), \
            sso_sessions(app) as sessions:
        first = sessions.current_session()
    shown = client.get("/login", query_string={"next": "/x", "force": "1"})
    assert shown.status_code == 200  # the form, despite the live session
    time.sleep(1.1)
    assert login(client, person["username"], next="/x", force=True).headers["Location"] == "/x"
    with app.test_request_context(headers={"Cookie": f"onegate_sso={before}"}), \
            sso_sessions(app) as sessions:
        second = sessions.current_session()
    assert second.sid == first.sid and second.auth_time > first.auth_time


def test_locked_account_cannot_log_in_and_its_session_dies(app, client, unique):
    from idp import accounts

    person = make_person(app, unique)
    login(client, person["username"])
    assert client.get("/account").status_code == 200
    with app.services.sessions.begin() as session:
        accounts.lock(session, accounts.get_by_sub(session, person["sub"]), "test")
    assert client.get("/account").status_code == 302
    assert login(app.test_client(), person["username"], "wrong password").status_code == 401
    locked = login(app.test_client(), person["username"])
    assert locked.status_code == 403 and "已被锁定" in locked.get_data(as_text=True)


def test_login_url_builds_the_flow(app):
    with app.test_request_context():
        url = sso.login_url("/authorize?x=1", acr="loa-2", force=True, ui_locales="en",
                            login_hint="alice")
        with pytest.raises(ValueError):
            sso.login_url("https://evil.example/")
    parts = urlsplit(url)
    assert parts.path == "/login"
    assert parse_qs(parts.query) == {"next": ["/authorize?x=1"], "acr": ["loa-2"],
                                     "force": ["1"], "ui_locales": ["en"],
                                     "login_hint": ["alice"]}


def test_csrf_is_required(app, client, unique):
    person = make_person(app, unique)
    response = client.post("/login", data={"login": person["username"], "password": "x" * 10})
    assert response.status_code == 400
