"""The device authorization grant live: a real ``onegate serve``, Debian's Chromium
with two browser contexts, tokens checked by pyjwt against the published JWKS.

1. A hall's terminal (its screen a kiosk browser context showing the QR code its
   software draws; its poller plain HTTP, as a kiosk's software is) shows its code;
   the person's phone (390 x 844, signed in) scans the QR code, sees the terminal
   and its hall, allows; the terminal's poll receives the tokens. Then the phone
   denies another terminal (access_denied) and guessed codes are stopped.
2. The provider's own login page on a desktop: "scan with your phone" shows a QR code
   (decoded here with zxing-cpp from a screenshot), the phone scans and allows, and
   the desktop -- without any click -- is signed in and continues the hall's
   authorization request.
"""

from __future__ import annotations

import io
import re
import time

import pytest
import requests

from idp.clients import DEVICE_CODE
from tests.conftest import start_server
from tests.idp.accounts.factories import PASSWORD, make_person
from tests.idp.device.helpers import terminal_client

pytestmark = [pytest.mark.live, pytest.mark.browser]

PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "is_mobile": True,
         "has_touch": True}


@pytest.fixture(scope="module")
def device_server(migrated, tmp_path_factory):
    """A live server whose terminals poll every second (the RFC's 5 s default would
    only make the test slower) and whose phones may type 3 wrong user codes."""
    server = start_server(migrated, tmp_path_factory.mktemp("device"), DEVICE_POLL_INTERVAL=1,
                          USER_CODE_ATTEMPTS=3)
    yield server
    server.stop()


def _phone_signed_in(browser, server, person: dict):
    from playwright.sync_api import expect

    page = browser.new_context(**PHONE).new_page()
    page.goto(server.url + "/login")
    page.get_by_label("用户名、身份证号或手机号").fill(person["username"])
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/account$"))
    return page


def _poll_until_answered(server, reg: dict, started: dict, deadline: float) -> dict:
    """The terminal's loop: wait ``interval`` (RFC 8628 section 3.5: +5 s after
    slow_down) between polls, as the protocol requires of it."""
    interval = started["interval"]
    while time.monotonic() < deadline:
        answer = requests.post(server.url + "/oauth/token", timeout=10, data={
            "grant_type": DEVICE_CODE, "device_code": started["device_code"],
            "client_id": reg["client_id"]})
        if answer.status_code == 200:
            return answer.json()
        error = answer.json()["error"]
        assert error in ("authorization_pending", "slow_down"), answer.text
        interval += 5 if error == "slow_down" else 0
        time.sleep(interval)  # the terminal's polling interval, not a wait for a server
    pytest.fail("the terminal received no tokens")


def _terminal_screen(browser, started: dict):
    """The kiosk's browser context (1080 x 1920) showing what the terminal's software
    draws: a QR code made with the qrcode library (not the provider's code) and the
    user code in large letters."""
    import base64

    import qrcode

    png = io.BytesIO()
    qrcode.make(started["verification_uri_complete"]).save(png)
    uri = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    page = browser.new_context(locale="zh-CN", viewport={"width": 1080, "height": 1920}
                               ).new_page()
    page.set_content(f'<main><h1>请用手机扫码登录</h1><p class="qr"><img alt="二维码" '
                     f'src="{uri}" width="400" height="400"></p>'
                     f'<p id="code">{started["user_code"]}</p></main>')
    return page


def _verified(server, token: str, audience: str) -> dict:
    import jwt

    meta = requests.get(server.url + "/.well-known/openid-configuration", timeout=10).json()
    key = jwt.PyJWKClient(meta["jwks_uri"]).get_signing_key_from_jwt(token).key
    return jwt.decode(token, key, algorithms=["RS256", "ES256", "EdDSA"], audience=audience,
                      issuer=meta["issuer"])


def test_terminal_receives_tokens_after_the_phone_allows(app, device_server, browser, unique):
    from playwright.sync_api import expect

    server = device_server
    person = make_person(app, unique, display_name="黄小燕")
    reg = terminal_client(app, unique)
    meta = requests.get(server.url + "/.well-known/openid-configuration", timeout=10).json()
    started = requests.post(meta["device_authorization_endpoint"], timeout=10, data={
        "client_id": reg["client_id"], "scope": "openid profile"}).json()
    first = requests.post(meta["token_endpoint"], timeout=10, data={
        "grant_type": DEVICE_CODE, "device_code": started["device_code"],
        "client_id": reg["client_id"]})
    assert first.status_code == 400 and first.json()["error"] == "authorization_pending"

    # The terminal's own screen (a kiosk's browser, portrait): its software draws the
    # QR code of verification_uri_complete and the user code; the phone scans it.
    screen = _terminal_screen(browser, started)
    scanned = _decoded_qr(screen)
    assert scanned == started["verification_uri_complete"]
    phone = _phone_signed_in(browser, server, person)
    phone.goto(scanned)
    expect(phone.get_by_role("heading", name="在这台自助终端上登录？")).to_be_visible()
    expect(phone.locator('[data-field="terminal"]')).to_have_text(
        f"南海区政务服务中心 自助机 {unique}")
    expect(phone.locator('[data-field="hall"]')).to_be_visible()
    expect(phone.locator('[data-field="user_code"]')).to_have_text(started["user_code"])
    allow = phone.get_by_role("button", name="允许")
    box = allow.bounding_box()
    assert box["width"] <= 390 and box["height"] >= 40  # a thumb-sized button on a phone
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    allow.click()
    expect(phone.get_by_role("heading", name="已允许")).to_be_visible()

    tokens = _poll_until_answered(server, reg, started, time.monotonic() + 30)
    access = _verified(server, tokens["access_token"], meta["issuer"] + "/api")
    identity = _verified(server, tokens["id_token"], reg["client_id"])
    assert access["sub"] == identity["sub"] == person["sub"]
    assert access["client_id"] == reg["client_id"] and identity["acr"] == "loa-1"
    assert identity["amr"] == ["pwd"] and identity["sid"]
    replay = requests.post(meta["token_endpoint"], timeout=10, data={
        "grant_type": DEVICE_CODE, "device_code": started["device_code"],
        "client_id": reg["client_id"]})
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


def _poll_once(server, reg: dict, device_code: str) -> requests.Response:
    return requests.post(server.url + "/oauth/token", timeout=10, data={
        "grant_type": DEVICE_CODE, "device_code": device_code, "client_id": reg["client_id"]})


def test_the_phone_denies_and_guessed_codes_are_stopped(app, device_server, browser, unique):
    """Negatives live: the phone (shown the terminal's name and its hall's registered
    name) denies, and the terminal's poll is access_denied; then, on the same phone,
    codes typed by hand: the wrong ones are not found, the fourth wrong one is
    refused for too many, and so is the right code afterwards (the terminal keeps
    authorization_pending)."""
    from playwright.sync_api import expect

    from idp import halls
    from tests.idp.device.test_verification_page import _wrong_code

    server = device_server
    with app.idp_services.work() as session:
        halls.add(session, f"h{unique}", f"顺德区行政服务中心 {unique}", "county")
    reg = terminal_client(app, unique, name=f"1 号自助机 {unique}", hall_code=f"h{unique}")
    person = make_person(app, unique)
    started = requests.post(server.url + "/oauth/device_authorization", timeout=10, data={
        "client_id": reg["client_id"], "scope": "openid profile"}).json()
    phone = _phone_signed_in(browser, server, person)
    phone.goto(started["verification_uri_complete"])
    expect(phone.locator('[data-field="terminal"]')).to_have_text(f"1 号自助机 {unique}")
    expect(phone.locator('[data-field="hall"]')).to_have_text(f"顺德区行政服务中心 {unique}")
    phone.get_by_role("button", name="拒绝").click()
    expect(phone.get_by_role("heading", name="已拒绝")).to_be_visible()
    denied = _poll_once(server, reg, started["device_code"])
    assert denied.status_code == 400 and denied.json()["error"] == "access_denied"

    second = requests.post(server.url + "/oauth/device_authorization", timeout=10, data={
        "client_id": reg["client_id"], "scope": "openid profile"}).json()

    def typed(code: str) -> int:
        phone.goto(server.url + "/device")
        phone.get_by_label("代码（8 个字母）").fill(code)
        with phone.expect_response(lambda r: r.request.method == "POST") as posted:
            phone.get_by_role("button", name="继续").click()
        return posted.value.status

    assert [typed(_wrong_code(n)) for n in range(3)] == [404, 404, 404]
    assert typed(_wrong_code(3)) == 429
    expect(phone.get_by_role("alert")).to_contain_text("错误代码次数过多")
    assert typed(second["user_code"]) == 429
    pending = _poll_once(server, reg, second["device_code"])
    assert pending.status_code == 400 and pending.json()["error"] == "authorization_pending"


def _decoded_qr(page) -> str:
    import zxingcpp
    from PIL import Image

    png = page.locator(".qr img").screenshot()
    # QR codes only: a QR's modules can also decode as a spurious linear barcode.
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"),
                                     formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(results) == 1, "no QR code found on the desktop's page"
    return results[0].text


def test_desktop_login_by_phone_scan_continues_the_hall_request(app, device_server, browser,
                                                                unique):
    from authlib.common.security import generate_token
    from authlib.integrations.requests_client import OAuth2Session
    from playwright.sync_api import expect

    from tests.idp.protocol.helpers import REDIRECT, register

    server = device_server
    person = make_person(app, unique, display_name="林小东")
    hall = register(app, unique, trusted=True)
    meta = requests.get(server.url + "/.well-known/openid-configuration", timeout=10).json()
    rp = OAuth2Session(hall["client_id"], hall["secret"], scope="openid profile",
                       redirect_uri=REDIRECT, code_challenge_method="S256")
    verifier = generate_token(48)
    url, _state = rp.create_authorization_url(meta["authorization_endpoint"],
                                              code_verifier=verifier, nonce="n-" + unique)

    desktop_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    # The hall's page itself is not under test: answer its callback locally.
    desktop_context.route(REDIRECT + "*", lambda route: route.fulfill(status=200, body="hall"))
    desktop = desktop_context.new_page()
    desktop.goto(url)
    expect(desktop).to_have_url(re.compile(r"/login\?"))
    desktop.get_by_role("link", name="用手机扫码登录").click()
    expect(desktop.get_by_role("heading", name="用手机扫码登录")).to_be_visible()
    expect(desktop.locator(".warning")).to_be_visible()
    scanned = _decoded_qr(desktop)
    assert scanned.startswith(server.url + "/device?user_code=")
    expect(desktop.locator('[data-field="user_code"]')).to_have_text(scanned.rsplit("=", 1)[1])

    phone = _phone_signed_in(browser, server, person)
    phone.goto(scanned)
    expect(phone.get_by_role("heading", name="在电脑上登录？")).to_be_visible()
    expect(phone.locator('[data-field="address"]')).to_have_text("127.0.0.1")
    expect(phone.locator('[data-field="agent"]')).to_contain_text("Chrome")
    phone.get_by_role("button", name="允许").click()
    expect(phone.get_by_role("heading", name="已允许")).to_be_visible()

    # No click on the desktop: its script polls, signs in, and goes on to the hall.
    expect(desktop).to_have_url(re.compile("^" + re.escape(REDIRECT) + r"\?"), timeout=20_000)
    token = rp.fetch_token(meta["token_endpoint"], authorization_response=desktop.url,
                           code_verifier=verifier)
    claims = _verified(server, token["id_token"], hall["client_id"])
    assert claims["sub"] == person["sub"] and claims["nonce"] == "n-" + unique
    assert claims["acr"] == "loa-1" and claims["amr"] == ["pwd"]
    desktop.goto(server.url + "/account")
    expect(desktop.locator("#account-name")).to_have_text("林小东")


def test_concurrent_polls_redeem_an_approved_code_once(app, device_server, unique):
    """Eight polls of one approved device code at once, against two workers: exactly
    one gets tokens; the others are replays (invalid_grant) and revoke what it got."""
    import threading

    from tests.idp.device.helpers import answer, signed_in_phone, start

    server, concurrent = device_server, 8
    reg = terminal_client(app, unique)
    started = start(app.test_client(), reg).json
    phone = app.test_client()
    phone.environ_base["REMOTE_ADDR"] = "10.66.0.1"
    signed_in_phone(app, phone, unique)
    assert answer(phone, started["user_code"], "allow").status_code == 200
    barrier, lock, results = threading.Barrier(concurrent), threading.Lock(), []

    def poll():
        with requests.Session() as http:
            barrier.wait()
            response = http.post(server.url + "/oauth/token", timeout=30, data={
                "grant_type": DEVICE_CODE, "device_code": started["device_code"],
                "client_id": reg["client_id"]})
        with lock:
            results.append(response)

    threads = [threading.Thread(target=poll) for _ in range(concurrent)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200] + [400] * (concurrent - 1), [r.text[:200] for r in results]
    assert {r.json()["error"] for r in results if r.status_code == 400} == {"invalid_grant"}
    winner = next(r for r in results if r.status_code == 200).json()
    refreshed = requests.post(server.url + "/oauth/token", timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": winner["refresh_token"],
        "client_id": reg["client_id"]})
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
