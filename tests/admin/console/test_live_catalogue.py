"""A department administrator's day in a real browser (Chromium, 360 px): sign in at
loa-2, find a licence, read its history, revoke it with a reason; preview a new version
of the department's type in the schema editor; and be refused another department's
licence and type."""

from __future__ import annotations

import secrets

import pyotp
import pytest

from credentials.models import Licence, LicenceType
from idp.staff import DEPARTMENT_ADMIN
from tests.admin.console.helpers import PASSWORD, audit_entries, make_staff
from tests.credentials.helpers import dept_headers, make_department

pytestmark = [pytest.mark.live, pytest.mark.browser]


def _sign_in(page, base: str, member: dict) -> None:
    from playwright.sync_api import expect

    page.goto(base + "/admin/")
    page.get_by_label("用户名、身份证号或手机号").fill(member["username"])
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_label("验证器应用中的 6 位验证码").fill(
        pyotp.TOTP(member["totp_secret"]).now())
    page.get_by_role("button", name="验证").click()
    expect(page).to_have_url(base + "/admin/")


def test_department_admin_revokes_a_licence_and_previews_a_version(app, live_server,
                                                                    browser):
    from playwright.sync_api import expect

    mine = make_department(app, "ba" + secrets.token_hex(3))
    theirs = make_department(app, "bb" + secrets.token_hex(3))
    client = app.test_client()
    own, other = (client.post("/api/v1/licenses", json=d.body(),
                              headers=dept_headers(app, d)).get_json() for d in (mine, theirs))
    member = make_staff(app, [(DEPARTMENT_ADMIN, mine.code)], name="周科长", with_totp=True)
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    page = context.new_page()
    base = live_server.url
    _sign_in(page, base, member)

    page.get_by_role("navigation", name="控制台栏目").get_by_role("link", name="证照",
                                                                  exact=True).click()
    page.get_by_label("持证人身份证号或统一社会信用代码").fill(own["holder"]["number"])
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#result-count")).to_have_text("共找到 1 条。")
    page.get_by_role("link", name=own["identifier"]).click()
    page.get_by_label("注销原因（不可恢复）").fill("持证人申请注销")
    page.get_by_role("button", name="注销").click()
    expect(page.locator("[data-state]").first).to_have_attribute("data-state", "revoked")
    expect(page.locator("#history")).to_contain_text("持证人申请注销")
    with app.services.sessions() as session:
        assert session.get(Licence, own["identifier"]).state == "revoked"
    assert len(audit_entries(app, "console.licence.revoke", own["identifier"])) == 1
    # Another department's licence: not found, by direct address too.
    answer = page.goto(f"{base}/admin/licences/{other['identifier']}")
    assert answer.status == 404

    page.goto(base + "/admin/catalogue")
    expect(page.get_by_role("link", name=theirs.type_code)).to_have_count(0)
    page.get_by_role("link", name=mine.type_code).click()
    page.get_by_role("link", name="新版本").click()
    editor = page.get_by_label("定义（JSON）")
    text = editor.input_value().replace('"pattern": "^TP[0-9]{6}$"',
                                        '"pattern": "^TP[0-9]{6}$", "examples": ["TP000001"]')
    editor.fill(text)
    page.get_by_role("button", name="检查并预览").click()
    expect(page.get_by_role("heading", name="示例证照")).to_be_visible()
    expect(page.locator("#preview")).to_contain_text("LIC1:")
    editor = page.get_by_label("定义（JSON）")
    editor.fill(editor.input_value().replace('"validity_days": 365', '"validity_days": 0'))
    page.get_by_role("button", name="检查并预览").click()
    expect(page.locator("#editor-errors")).to_contain_text("validity_days")
    with app.services.sessions() as session:
        assert session.get(LicenceType, mine.type_code).version == 1  # previews change nothing
    assert page.goto(f"{base}/admin/catalogue/{theirs.type_code}").status == 403
    context.close()
