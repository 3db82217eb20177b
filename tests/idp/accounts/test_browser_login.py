"""A real browser (Debian's Chromium through Playwright) logs in with a TOTP code
through the Chinese pages of a live ``onegate serve``."""

import os
import re

import pyotp
import pytest

from tests.conftest import unavailable
from tests.idp.accounts.factories import PASSWORD, make_person

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [pytest.mark.live, pytest.mark.browser]


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM):
        unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright Python package is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


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
