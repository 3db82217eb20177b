"""A real browser (Debian's Chromium through Playwright) logs in with a TOTP code
through the Chinese pages of a live ``onegate serve``."""

import re

import pyotp
import pytest

from tests.idp.accounts.factories import PASSWORD, make_person

pytestmark = [pytest.mark.live, pytest.mark.browser]


def test_totp_login_through_the_chinese_pages(app, live_server, browser, unique):
    from playwright.sync_api import expect

    person = make_person(app, unique, with_totp=True, display_name="陈小明")
    page = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740}).new_page()
    page.goto(live_server.url + "/login")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_label("用户名、身份证号或手机号")).to_be_visible()
    page.get_by_label("用户名、身份证号或手机号").fill(person["id_number"])
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/login/totp$"))
    page.get_by_label("验证器应用中的 6 位验证码").fill(pyotp.TOTP(person["totp_secret"]).now())
    page.get_by_role("button", name="验证").click()
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_role("heading", name="我的账号")).to_be_visible()
    expect(page.locator("#account-name")).to_have_text("陈小明")
    expect(page.get_by_text("密码加验证码")).to_be_visible()


def _hall_code(page, hall_redirect: str) -> str:
    from playwright.sync_api import expect

    expect(page).to_have_url(re.compile("^" + re.escape(hall_redirect) + r"\?"))
    return page.url


def test_step_up_to_loa2_asks_only_for_the_totp_code(app, live_server, browser, unique):
    """A kiosk session at loa-1 (no authenticator yet); the person then sets one up on
    their phone; a hall asking ``acr_values=loa-2`` at the kiosk gets the TOTP prompt
    only, not the password, and an ID token with acr loa-2 and amr pwd+otp."""
    import secrets
    import time

    import jwt
    from authlib.common.security import generate_token
    from authlib.integrations.requests_client import OAuth2Session
    from playwright.sync_api import expect

    from tests.idp.protocol.helpers import REDIRECT, register

    person = make_person(app, unique, display_name="李小华")
    hall = register(app, unique, trusted=True)
    meta = live_server.get("/.well-known/openid-configuration").json()
    jwks = jwt.PyJWKClient(meta["jwks_uri"])
    rp = OAuth2Session(hall["client_id"], hall["secret"], scope="openid profile",
                       redirect_uri=REDIRECT, code_challenge_method="S256")

    def sign_in(page, **extra) -> dict:
        verifier, nonce = generate_token(48), secrets.token_hex(8)
        url, _state = rp.create_authorization_url(meta["authorization_endpoint"],
                                                  code_verifier=verifier, nonce=nonce, **extra)
        page.goto(url)
        return {"verifier": verifier, "nonce": nonce}

    def id_token_claims(page, started: dict) -> dict:
        token = rp.fetch_token(meta["token_endpoint"], authorization_response=_hall_code(
            page, REDIRECT), code_verifier=started["verifier"])
        key = jwks.get_signing_key_from_jwt(token["id_token"]).key
        claims = jwt.decode(token["id_token"], key, algorithms=["RS256"],
                            audience=hall["client_id"], issuer=meta["issuer"])
        assert claims["nonce"] == started["nonce"]
        return claims

    def stub_hall(context):
        # The hall's page itself is not under test: answer its callback locally.
        context.route(REDIRECT + "*", lambda route: route.fulfill(status=200, body="hall"))

    kiosk_context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    stub_hall(kiosk_context)
    kiosk = kiosk_context.new_page()
    started = sign_in(kiosk)
    expect(kiosk.get_by_label("用户名、身份证号或手机号")).to_be_visible()
    kiosk.get_by_label("用户名、身份证号或手机号").fill(person["username"])
    kiosk.get_by_label("密码").fill(PASSWORD)
    kiosk.get_by_role("button", name="登录").click()
    first = id_token_claims(kiosk, started)
    assert (first["acr"], first["amr"], first["sub"]) == ("loa-1", ["pwd"], person["sub"])

    phone = browser.new_context(locale="zh-CN").new_page()
    phone.goto(live_server.url + "/account")
    phone.get_by_label("用户名、身份证号或手机号").fill(person["phone"])
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.get_by_role("link", name="设置验证器").click()
    expect(phone.get_by_role("heading", name="设置验证器")).to_be_visible()
    secret = phone.locator("code.secret").text_content().replace(" ", "")
    # The previous step's code (inside the accepted drift), so the current one is unused.
    phone.get_by_label("验证器应用中的 6 位验证码").fill(pyotp.TOTP(secret).at(time.time() - 30))
    phone.get_by_role("button", name="确认").click()
    expect(phone.locator("body")).to_contain_text("恢复码")

    started = sign_in(kiosk, acr_values="loa-2")
    expect(kiosk).to_have_url(re.compile(r"/login/totp$"))
    expect(kiosk.get_by_role("heading", name="验证码")).to_be_visible()
    expect(kiosk.get_by_label("密码")).to_have_count(0)
    kiosk.get_by_label("验证器应用中的 6 位验证码").fill(pyotp.TOTP(secret).now())
    kiosk.get_by_role("button", name="验证").click()
    stepped = id_token_claims(kiosk, started)
    assert (stepped["acr"], stepped["amr"]) == ("loa-2", ["pwd", "otp"])
    assert stepped["sub"] == person["sub"] and stepped["sid"] == first["sid"]
    assert stepped["auth_time"] >= first["auth_time"]
