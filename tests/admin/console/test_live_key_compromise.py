"""A department administrator, in a real browser on a live ``onegate serve``, handles a
compromised key from the console alone: the impact report, the revocation, a new key
without pre-publication, the re-issue; and is refused another department's keys."""

from __future__ import annotations

import re

import pyotp
import pytest

from idp.staff import DEPARTMENT_ADMIN
from tests.admin.console.helpers import audit_entries, make_staff
from tests.admin.console.test_live_signin import _sign_in
from tests.credentials.helpers import dept_headers, make_department

pytestmark = [pytest.mark.live, pytest.mark.browser]


def test_department_admin_revokes_and_reissues_from_the_console(app, live_server, browser,
                                                                unique):
    from playwright.sync_api import expect

    mine, other = make_department(app, unique + "m"), make_department(app, unique + "o")
    client = app.test_client()
    for _ in range(2):
        assert client.post("/api/v1/licenses", json=mine.body(),
                           headers=dept_headers(app, mine)).status_code == 201
    kid = next(r.kid for r in app.services.keyring.records(f"dept:{mine.code}")
               if r.state == "active")
    member = make_staff(app, [(DEPARTMENT_ADMIN, mine.code)], name="郑部门",
                        with_totp=True)
    context = browser.new_context(locale="zh-CN", viewport={"width": 768, "height": 1024})
    page = context.new_page()
    _sign_in(page, live_server.url, member["username"])
    page.get_by_label("验证器应用中的 6 位验证码").fill(pyotp.TOTP(member["totp_secret"]).now())
    page.get_by_role("button", name="验证").click()
    expect(page).to_have_url(live_server.url + "/admin/")

    page.get_by_role("navigation", name="控制台栏目").get_by_role("link", name="密钥").click()
    expect(page.get_by_role("link", name=f"dept:{other.code}")).to_have_count(0)
    page.get_by_role("link", name=f"dept:{mine.code}").first.click()
    expect(page.get_by_role("heading", name=f"dept:{mine.code} 的密钥")).to_be_visible()
    page.get_by_role("link", name="吊销…").click()
    expect(page.locator("#impact-total")).to_have_text("2")
    page.get_by_label(re.compile("输入密钥标识的前 8 个字符")).fill(kid[:8])
    page.get_by_role("button", name="吊销此密钥").click()
    expect(page.get_by_text("密钥已吊销：2 份有效证照不再能通过验证。")).to_be_visible()

    page.get_by_role("link", name=re.compile("返回")).click()
    page.get_by_label("签名前提前发布（例如 0、12h、1d）").fill("0")
    page.get_by_role("button", name="立即轮换 ES256").click()
    page.get_by_role("link", name="重新签发其证照…").click()
    page.get_by_role("button", name="重新签发这些证照").click()
    expect(page.get_by_text("已用当前密钥重新签发 2 份证照。")).to_be_visible()
    expect(page.locator("#impact-total")).to_have_text("0")
    assert [e.data["reissued"] for e in audit_entries(app, "console.licenses.reissue", kid)] \
        == [2]

    # Another department's keys: refused, page and all.
    answer = page.goto(f"{live_server.url}/admin/keys/owners/dept:{other.code}")
    assert answer.status == 403
    context.close()
