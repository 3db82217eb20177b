"""The wallet session is the provider's session, not one tab's: a new tab opens the
wallet signed in, with no click and no consent page; logging out ends the provider
session, after which a new tab offers the login button (and does not loop)."""

from __future__ import annotations

import re

import pytest

from tests.experience.conftest import login

pytestmark = [pytest.mark.live, pytest.mark.browser]


def test_new_tab_keeps_the_wallet_and_logout_ends_it(browser, world):
    from playwright.sync_api import expect

    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    first = context.new_page()
    first.goto(world.base + "/wallet")
    first.get_by_role("button", name="登录").click()  # signed out: the button is offered
    login(first, world.person)
    expect(first).to_have_url(re.compile(r"/wallet$"))
    expect(first.get_by_role("link", name=re.compile("测试许可证")).first).to_be_visible()

    second = context.new_page()  # a new tab: its own (empty) sessionStorage
    seen: list[str] = []
    second.on("request", lambda r: seen.append(r.url) if r.is_navigation_request() else None)
    second.goto(world.base + "/wallet/l/" + world.licences["valid"]["identifier"])
    expect(second).to_have_url(re.compile(r"/wallet/l/"))
    expect(second.locator("#show-view")).to_be_visible()
    assert not any("/consent" in url or "/login" in url for url in seen), seen
    assert any("prompt=none" in url for url in seen), seen

    second.get_by_role("button", name="退出").click()
    expect(second).to_have_url(re.compile(r"/wallet$"))
    expect(second.get_by_role("button", name="登录")).to_be_visible()

    third = context.new_page()
    third.goto(world.base + "/wallet")
    expect(third.get_by_role("button", name="登录")).to_be_visible()
    expect(third).to_have_url(re.compile(r"/wallet$"))
    third.reload()  # the next visit asks the provider again, still signed out: no loop
    expect(third.get_by_role("button", name="登录")).to_be_visible()
    assert third.evaluate("fetch('/account', {redirect: 'manual'}).then(r => r.type)") \
        == "opaqueredirect"  # the provider session is over too
    context.close()
