""""Scan with your phone" on the provider's own login page (in-process): the desktop
shows a QR code of verification_uri_complete, the phone approves, the desktop's poll
signs it in and the hall's authorization request continues."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from tests.idp.accounts.factories import csrf
from tests.idp.device.helpers import answer, signed_in_phone
from tests.idp.protocol.helpers import auth_params, pkce, query, register


def _authorize_path(reg: dict) -> tuple[str, dict]:
    params = auth_params(reg["client_id"], pkce()[1])
    return "/oauth/authorize?" + urlencode(params), params


DESKTOP_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0 onegate-test"


def _qr_page(desktop, next_path: str, **extra):
    desktop.environ_base["HTTP_USER_AGENT"] = DESKTOP_AGENT
    login = desktop.get("/login", query_string={"next": next_path, **extra})
    link = re.search(r'id="qr-login-link" href="([^"]+)"', login.get_data(as_text=True))
    assert link, "the login page offers no QR login"
    page = desktop.get(link.group(1).replace("&amp;", "&"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    complete = re.search(r'data-verification-uri-complete="([^"]+)"', html).group(1)
    assert re.search(r'<img src="data:image/svg\+xml;base64,', html)
    assert 'src="/static/idp/qr_login.js"' in html and 'class="warning"' in html
    return html, complete.rsplit("=", 1)[1]


def _poll(desktop, html: str):
    return desktop.post("/login/qr/poll", headers={"X-CSRFToken": csrf(html),
                                                   "Accept": "application/json"})


def test_phone_approval_signs_the_desktop_in_and_continues(app, terminal, phone, unique,
                                                           clock):
    desktop = terminal
    reg = register(app, unique, trusted=True)
    next_path, params = _authorize_path(reg)
    html, user_code = _qr_page(desktop, next_path)
    # The no-script Continue form ends at the hall: CSP form-action must allow it.
    page = desktop.get("/login/qr", query_string={"next": next_path})
    assert "form-action 'self' https://hall.example.cn" in page.headers["Content-Security-Policy"]
    assert _poll(desktop, html).json == {"status": "pending", "interval": 5}
    person = signed_in_phone(app, phone, unique)
    confirm = phone.get("/device", query_string={"user_code": user_code})
    shown = confirm.get_data(as_text=True)
    assert "在电脑上登录？" in shown and desktop.environ_base["REMOTE_ADDR"] in shown
    assert f'data-field="agent">{DESKTOP_AGENT}<' in shown
    answer(phone, user_code, "allow")
    clock.advance(5)
    done = _poll(desktop, html)
    assert done.json == {"status": "approved", "next": next_path}
    assert "onegate_sso=" in done.headers.get("Set-Cookie", "")
    onward = desktop.get(next_path)
    assert onward.status_code == 302, onward.get_data(as_text=True)[:300]
    assert "code" in query(onward.headers["Location"])
    account = desktop.get("/account")
    assert account.status_code == 200 and person["username"] in account.get_data(as_text=True)
    # The same device code cannot sign in a second browser.
    assert _poll(desktop, html).json["status"] == "expired"


def test_denied_on_the_phone(app, terminal, phone, unique, clock):
    html, user_code = _qr_page(terminal, "/account")
    signed_in_phone(app, phone, unique)
    answer(phone, user_code, "deny")
    assert _poll(terminal, html).json == {"status": "denied"}
    assert terminal.get("/account").status_code == 302  # still signed out


def test_polling_too_fast_slows_down(app, terminal, unique, clock):
    html, _ = _qr_page(terminal, "/account")
    assert _poll(terminal, html).json["interval"] == 5
    assert _poll(terminal, html).json == {"status": "pending", "interval": 10}


def test_expired_and_reused_page(app, terminal, unique, clock):
    html, first = _qr_page(terminal, "/account")
    again, second = _qr_page(terminal, "/account")
    assert first == second  # the browser's live request is shown again, not a new row
    clock.advance(601)
    assert _poll(terminal, html).json == {"status": "expired"}


def test_poll_without_csrf_is_refused(app, terminal, unique):
    _qr_page(terminal, "/account")
    refused = terminal.post("/login/qr/poll", headers={"Accept": "application/json"})
    assert refused.status_code == 400


def test_form_fallback_without_script(app, terminal, phone, unique, clock):
    html, user_code = _qr_page(terminal, "/account")
    pending = terminal.post("/login/qr/poll", data={"csrf_token": csrf(html)})
    assert pending.status_code == 200 and "手机上尚未允许" in pending.get_data(as_text=True)
    signed_in_phone(app, phone, unique)
    answer(phone, user_code, "allow")
    clock.advance(10)
    done = terminal.post("/login/qr/poll", data={"csrf_token": csrf(html)})
    assert done.status_code == 302 and done.headers["Location"] == "/account"


def test_forced_login_needs_a_fresh_phone_login(app, terminal, phone, unique, clock):
    """A desktop sign-in that demanded a fresh login (prompt=login) is not satisfied
    by the phone's older session: the phone logs in again first."""
    signed_in_phone(app, phone, unique)
    clock.advance(1)
    _, user_code = _qr_page(terminal, "/account", force="1")
    page = phone.get("/device", query_string={"user_code": user_code})
    assert page.status_code == 302 and "force=1" in page.headers["Location"]


def test_terminal_code_cannot_sign_in_a_desktop(app, terminal, phone, unique, clock):
    """The login page's poll redeems only its own kind of request."""
    from idp import device_authorizations
    from tests.idp.services import idp_services

    services = idp_services(app)
    with app.test_request_context(), services.work() as session:
        started = device_authorizations.start(
            session, services.token_hash_key,
            device_authorizations.Request(purpose=device_authorizations.TERMINAL,
                                          client_id=device_authorizations.LOGIN_CLIENT_ID,
                                          scope="openid"), ttl=600, interval=5)
    html, _ = _qr_page(terminal, "/account")
    with terminal.session_transaction() as flask_session:
        kept = dict(flask_session["idp_qr_login"], device_code=started.device_code)
        flask_session["idp_qr_login"] = kept
    assert _poll(terminal, html).json == {"status": "expired"}
