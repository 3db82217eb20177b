"""Reuse with consent, end to end, against `onegate serve` in Debian's Chromium.

A department system (a confidential OAuth client, Authlib with PKCE S256) asks the
holder for ``licenses:read:<type>``; the holder logs in on the provider's Chinese
page and allows it; the department exchanges the code, reads the holder's licences
of that type only, and the holder sees the use in the wallet, then withdraws the
consent, after which the department's refresh token no longer works.
"""

from __future__ import annotations

import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import quote, urlsplit

import pytest
import requests

from tests.credentials.helpers import dept_headers, make_department, register_wallet

PURPOSE = "办理食品经营许可延续，核对营业执照"

pytestmark = [pytest.mark.live, pytest.mark.browser]




class _Callback(BaseHTTPRequestHandler):
    received: list[str]

    def do_GET(self):  # noqa: N802 - http.server's naming
        if self.path.startswith("/cb"):
            self.received.append(self.path)
        body = "<!doctype html><title>部门系统</title><p>已收到授权</p>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        """Quiet."""


@pytest.fixture
def department_callback():
    """The department system's redirect endpoint on loopback: records each request."""
    handler = type("Handler", (_Callback,), {"received": []})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/cb", handler.received
    server.shutdown()
    server.server_close()


def _issue(app, dept, number: str) -> str:
    body = dept.body(holder={"code_type": "111", "number": number, "name": "陈小红"})
    response = app.test_client().post("/api/v1/licenses", json=body,
                                      headers=dept_headers(app, dept))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["identifier"]


def _department_client(app, unique: str, dept, redirect_uri: str) -> dict:
    from credentials import catalogue
    from tests.idp.protocol.helpers import register

    reg = register(app, unique, name=f"食品经营审批系统 {unique}", redirect_uris=[redirect_uri],
                   scopes=["openid", "identity", f"licenses:read:{dept.type_code}"],
                   grant_types=["authorization_code", "refresh_token"])
    with app.app_context(), app.services.sessions.begin() as session:
        catalogue.add_client(session, dept.code, reg["client_id"])
    return reg


def _login(page, person):
    from tests.idp.accounts.factories import PASSWORD

    page.get_by_label("用户名、身份证号或手机号").fill(person["username"])
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_department_reuses_with_consent_and_holder_sees_and_withdraws(
        app, migrated, live_server, browser, department_callback, unique, tmp_path):
    from authlib.integrations.requests_client import OAuth2Session
    from playwright.sync_api import expect

    from tests.idp.accounts.factories import make_person

    base = live_server.url
    redirect_uri, received = department_callback
    person = make_person(app, unique, display_name="陈小红")
    food, other = make_department(app, unique), make_department(app, unique[::-1])
    wanted = _issue(app, food, person["id_number"])
    not_consented = _issue(app, other, person["id_number"])
    reg = _department_client(app, unique, food, redirect_uri)
    register_wallet(migrated, base, tmp_path)

    # The department system builds the authorization URL (PKCE S256).
    oauth = OAuth2Session(reg["client_id"], reg["secret"], redirect_uri=redirect_uri,
                          scope=f"openid identity licenses:read:{food.type_code}",
                          code_challenge_method="S256",
                          token_endpoint_auth_method="client_secret_basic")
    verifier = secrets.token_urlsafe(48)
    url, state = oauth.create_authorization_url(base + "/oauth/authorize",
                                                code_verifier=verifier,
                                                nonce=secrets.token_urlsafe(12))

    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(url)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    _login(page, person)
    allow = page.get_by_role("button", name="允许")
    expect(allow).to_be_visible()
    assert food.type_code in page.content() or "证照" in page.content()
    allow.click()
    page.wait_for_url(re.compile(re.escape(redirect_uri)))
    assert len(received) == 1
    callback = urlsplit(redirect_uri)._replace(path=urlsplit(received[0]).path,
                                              query=urlsplit(received[0]).query).geturl()

    # The department exchanges the code and reads the holder's licences of that type.
    token = oauth.fetch_token(base + "/oauth/token", authorization_response=callback,
                              state=state, code_verifier=verifier)
    response = requests.get(base + "/api/v1/holder/licenses", params={"purpose": PURPOSE},
                            headers={"Authorization": f"Bearer {token['access_token']}",
                                     "X-Onegate-Staff": quote("窗口-03")}, timeout=10)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [lic["identifier"] for lic in body["licenses"]] == [wanted]
    assert not_consented not in response.text
    assert body["types"] == [food.type_code]

    # The holder opens the wallet (already signed in: one login, whole network; the
    # wallet asks the provider silently and onegate's own wallet asks no consent).
    page.goto(base + "/wallet")
    expect(page).to_have_url(re.compile(r"/wallet$"))
    uses = page.get_by_role("region", name="谁使用了我的证照")
    expect(uses).to_be_visible()
    use = uses.get_by_role("listitem").filter(has_text=PURPOSE)
    expect(use).to_have_count(1)
    expect(use).to_contain_text(f"测试厅 {unique}")  # the department's name ...
    expect(use).not_to_contain_text(reg["client_id"])  # ... never its client id
    expect(use).to_contain_text("经办人：窗口-03，部门自述")  # the department's statement
    expect(use).to_contain_text("调取 测试许可证")
    assert re.search(r"\d{4}/\d{1,2}/\d{1,2}", use.locator("time").inner_text())

    # ... and withdraws the consent on the provider's page.
    page.get_by_role("link", name=re.compile("撤回同意")).click()
    expect(page).to_have_url(re.compile(r"/account/consents"))
    section = page.locator("section.consent").filter(
        has=page.locator(f"input[name=client_id][value='{reg['client_id']}']"))
    expect(section).not_to_contain_text(reg["client_id"])
    expect(section).to_contain_text("授权时间：")
    section.get_by_role("button", name="撤回授权").click()
    page.get_by_role("button", name="确认撤回").click()  # asked first
    expect(page.get_by_role("status")).to_contain_text(
        f"您已撤回对“食品经营审批系统 {unique}”的授权")
    expect(page.locator(f"input[name=client_id][value='{reg['client_id']}']")).to_have_count(0)
    context.close()

    assert token.get("refresh_token"), "the department client has the refresh_token grant"
    if token.get("refresh_token"):
        refreshed = requests.post(base + "/oauth/token", data={
            "grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
            auth=(reg["client_id"], reg["secret"]), timeout=10)
        assert refreshed.status_code == 400
        assert refreshed.json()["error"] == "invalid_grant"
    # The withdrawal also stops the access token the department still holds.
    after = requests.get(base + "/api/v1/holder/licenses", params={"purpose": PURPOSE},
                         headers={"Authorization": f"Bearer {token['access_token']}"},
                         timeout=10)
    assert after.status_code == 401
    assert 'error="invalid_token"' in after.headers["WWW-Authenticate"]


def test_wallet_uses_page_on_with_more(app, migrated, live_server, browser, unique, tmp_path):
    """More than one page of uses (100 by default): "更多" follows `next` and appends
    the rest once, then goes away, leaving focus on the first new use."""
    from playwright.sync_api import expect

    from tests.idp.accounts.factories import make_person
    from verify import uses as use_records

    base = live_server.url
    person = make_person(app, unique, display_name="陈小红")
    food = make_department(app, unique)
    licence = _issue(app, food, person["id_number"])
    register_wallet(migrated, base, tmp_path)
    total = 105
    with app.app_context(), app.services.sessions.begin() as session:
        use_records.record_many(session, [use_records.Use(
            kind="retrieve", client_id=f"sys-{unique}", staff=None, licence_identifier=licence,
            holder_code=person["id_number"], purpose=f"分页核对 {n:03d}")
            for n in range(total)])

    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 640})
    page = context.new_page()
    page.goto(base + "/wallet")
    page.get_by_role("button", name="登录").click()
    _login(page, person)
    page.wait_for_url(re.compile(r"/wallet$|/oauth/authorize|/consent"))
    if "/wallet" not in page.url:
        page.get_by_role("button", name=re.compile("同意|允许")).first.click()
    expect(page).to_have_url(re.compile(r"/wallet$"))
    region = page.get_by_role("region", name="谁使用了我的证照")
    items = region.get_by_role("listitem")
    expect(items).to_have_count(100)
    expect(items.first).to_contain_text(f"分页核对 {total - 1:03d}")
    expect(items.first).to_contain_text("调取 测试许可证")
    more = region.get_by_role("button", name="更多")
    expect(more).to_be_visible()
    more.focus()
    page.keyboard.press("Enter")
    expect(items).to_have_count(total)
    expect(more).to_be_hidden()
    expect(items.nth(100)).to_be_focused()
    expect(items.nth(100)).to_contain_text("分页核对 004")
    purposes = [text.split("用途：")[1][:8] for text in items.all_inner_texts()]
    assert purposes == [f"分页核对 {n:03d}" for n in reversed(range(total))]
    context.close()
