"""A real browser (Debian's Chromium, 360 px wide, Chinese) follows a clerk's reset
link on a live ``onegate serve``: the fragment fills the form and leaves the address
bar, the new password works, and the account page names the clerk and the hall."""

import re

import pytest

from tests.idp.accounts.factories import make_person
from tests.idp.recovery.helpers import NEW_PASSWORD, issue

pytestmark = [pytest.mark.live, pytest.mark.browser]


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_reset_link_on_a_phone_in_chinese(app, live_server, browser, unique):
    from playwright.sync_api import expect

    person = make_person(app, unique, display_name="赵小梅")
    issued = issue(app, person["id_number"])
    link = live_server.url + issued["link"][issued["link"].index("/account/reset"):]
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    seen = []
    context.on("request", lambda request: seen.append(request.url))
    page = context.new_page()
    page.goto(link)
    expect(page.locator("#code")).to_have_value(issued["code"])
    expect(page.locator("#login")).to_have_value(person["username"])
    assert page.url == live_server.url + "/account/reset"  # the fragment is gone
    assert _fits(page)
    page.get_by_role("button", name="继续").click()
    expect(page).to_have_url(re.compile(r"/account/reset/new$"))
    assert _fits(page)
    page.get_by_label("新密码（至少 8 个字符）").fill(NEW_PASSWORD)
    page.get_by_label("再次输入新密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", name="已完成")).to_be_visible()
    assert not [url for url in seen if issued["code"] in url.split("#")[0]]

    page.get_by_role("link", name="登录").click()
    page.get_by_label("密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/account$"))
    issued_by = "天河区政务服务中心 柜员 王五 核验身份证件后签发了密码重置码。"
    expect(page.get_by_text(issued_by)).to_be_visible()
    expect(page.get_by_text("您使用一次性重置码重置了密码，所有登录已退出。")).to_be_visible()
    # The User-Agent as people name it (Debian's headless Chromium says "Chrome").
    expect(page.locator(".sessions .device")).to_contain_text("Linux 上的 Chrome")
    assert _fits(page)
    context.close()
