"""A real browser signs a staff member in to the console through the real provider,
at loa-2 (password and TOTP), on a live ``onegate serve`` whose console exchanges the
code server-side over HTTP (threaded workers: admin/console/exchange.py); a citizen
and a staff member who can reach only loa-1 are refused."""

from __future__ import annotations

import re

import pyotp
import pytest

from idp.staff import AUDITOR, PLATFORM_ADMIN
from tests.admin.console.helpers import PASSWORD, audit_entries, make_staff

pytestmark = [pytest.mark.live, pytest.mark.browser]


def _sign_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    from playwright.sync_api import expect

    page.goto(base + "/admin/")
    expect(page).to_have_url(re.compile(r"/login\?"))
    page.get_by_label("用户名、身份证号或手机号").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_staff_member_signs_in_at_loa2_and_out(app, live_server, browser):
    from playwright.sync_api import expect

    member = make_staff(app, [(PLATFORM_ADMIN, ""), (AUDITOR, "")], name="黄运维",
                        with_totp=True)
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    page = context.new_page()
    _sign_in(page, live_server.url, member["username"])
    expect(page).to_have_url(re.compile(r"/login/totp$"))
    page.get_by_label("验证器应用中的 6 位验证码").fill(
        pyotp.TOTP(member["totp_secret"]).now())
    page.get_by_role("button", name="验证").click()
    expect(page).to_have_url(live_server.url + "/admin/")
    expect(page.get_by_role("heading", name="概览", exact=True)).to_be_visible()
    expect(page.locator(".who-name")).to_have_text("黄运维")
    expect(page.get_by_role("navigation", name="控制台栏目")).to_be_visible()
    assert len(audit_entries(app, "console.sign_in", member["sub"])) == 1
    # A chart is an image the browser loads with the session.
    chart = page.request.get(live_server.url + "/admin/charts/logins.svg")
    assert chart.status == 200 and chart.headers["content-type"].startswith("image/svg+xml")
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(live_server.url + "/admin/signed-out")
    page.goto(live_server.url + "/account")  # the provider's session ended too
    expect(page).to_have_url(re.compile(r"/login\?"))
    context.close()


def test_citizen_and_loa1_only_staff_are_refused(app, live_server, browser, unique):
    from playwright.sync_api import expect

    from tests.idp.accounts.factories import PASSWORD as PERSON_PASSWORD
    from tests.idp.accounts.factories import make_person

    citizen = make_person(app, unique, with_totp=True, display_name="市民甲")
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    _sign_in(page, live_server.url, citizen["username"], PERSON_PASSWORD)
    page.get_by_label("验证器应用中的 6 位验证码").fill(pyotp.TOTP(citizen["totp_secret"]).now())
    page.get_by_role("button", name="验证").click()
    expect(page).to_have_url(re.compile(r"/admin/callback\?"))
    expect(page.get_by_role("heading", name="登录被拒绝")).to_be_visible()
    assert page.request.get(live_server.url + "/admin/", max_redirects=0).status == 302
    context.close()

    # A staff member without an authenticator reaches only loa-1: the provider asks
    # for enrolment, and the console never opens.
    member = make_staff(app, [(PLATFORM_ADMIN, "")])
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    _sign_in(page, live_server.url, member["username"])
    expect(page).not_to_have_url(re.compile(r"/admin/"))
    answer = page.request.get(live_server.url + "/admin/", max_redirects=0)
    assert answer.status == 302 and "/admin/login" in answer.headers["location"]
    assert audit_entries(app, "console.sign_in", member["sub"]) == []
    context.close()


def test_first_sign_in_enrols_an_authenticator_and_enters(app, live_server, browser):
    """The demo staff's path: no authenticator yet; the provider has one set up, the
    session reaches loa-2, and the flow goes on into the console."""
    from playwright.sync_api import expect

    member = make_staff(app, [(AUDITOR, "")], name="周审计")
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    _sign_in(page, live_server.url, member["username"])
    page.get_by_role("link", name="设置验证器").click()
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    page.get_by_label("验证器应用中的 6 位验证码").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="确认").click()
    page.get_by_role("link", name="我已保存，继续").click()
    expect(page).to_have_url(live_server.url + "/admin/")
    expect(page.locator(".who-name")).to_have_text("周审计")
    context.close()


def test_clerk_finds_and_locks_a_citizen_and_is_refused_the_rest(app, live_server, browser,
                                                                  places, unique):
    from playwright.sync_api import expect

    from idp import accounts
    from tests.idp.accounts.factories import make_person

    citizen = make_person(app, unique, display_name="钱市民")
    clerk = make_staff(app, [("clerk", places["hall"])], name="孙柜员", with_totp=True)
    context = browser.new_context(locale="zh-CN", viewport={"width": 768, "height": 1024})
    page = context.new_page()
    _sign_in(page, live_server.url, clerk["username"])
    page.get_by_label("验证器应用中的 6 位验证码").fill(pyotp.TOTP(clerk["totp_secret"]).now())
    page.get_by_role("button", name="验证").click()
    nav = page.get_by_role("navigation", name="控制台栏目")
    expect(nav.get_by_role("link")).to_have_text(["概览", "办事人", "账号协助"])
    # Keyboard: the first Tab reaches the skip link, which moves focus to the content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="跳到主要内容")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    nav.get_by_role("link", name="办事人").click()
    page.get_by_label("身份证号、统一社会信用代码、用户名或手机号").fill(citizen["id_number"])
    page.keyboard.press("Enter")
    page.get_by_role("link", name="钱市民").click()
    page.get_by_label("锁定原因").fill("本人申请")
    page.get_by_role("button", name="锁定").click()
    expect(page.get_by_role("status")).to_have_text("账户已锁定。")
    with app.idp_services.work() as session:
        assert accounts.get_by_sub(session, citizen["sub"]).locked
    assert [e.data["role"] for e in audit_entries(app, "console.account.lock",
                                                  citizen["sub"])] == ["clerk"]
    for path in ("/admin/audit", "/admin/keys", "/admin/staff"):
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", name="无权访问")).to_be_visible()
    context.close()
