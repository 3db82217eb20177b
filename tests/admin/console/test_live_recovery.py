"""A real browser: a clerk signs in to the console on a live ``onegate serve``, finds a
citizen and issues a password reset; the citizen's phone (a second browser, 360 px)
reads the QR code off the clerk's screen (zxing-cpp) and sets a new password."""

from __future__ import annotations

import re

import pyotp
import pytest

from tests.admin.console.helpers import audit_entries, make_staff
from tests.admin.console.test_live_signin import _sign_in
from tests.idp.recovery.helpers import NEW_PASSWORD

pytestmark = [pytest.mark.live, pytest.mark.browser]


def _decode_qr(png: bytes) -> str:
    import io

    import zxingcpp
    from PIL import Image

    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"),
                                   formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1, found
    return found[0].text


def test_clerk_issues_a_reset_the_persons_phone_scans(app, live_server, browser, places,
                                                      unique):
    from playwright.sync_api import expect

    from tests.idp.accounts.factories import make_person

    citizen = make_person(app, unique, display_name="周市民")
    clerk = make_staff(app, [("clerk", places["hall"])], name="吴柜员", with_totp=True)
    desk = browser.new_context(locale="zh-CN", viewport={"width": 768, "height": 1024})
    page = desk.new_page()
    _sign_in(page, live_server.url, clerk["username"])
    page.get_by_label("验证器应用中的 6 位验证码").fill(pyotp.TOTP(clerk["totp_secret"]).now())
    page.get_by_role("button", name="验证").click()
    page.get_by_role("navigation", name="控制台栏目").get_by_role("link", name="账号协助").click()
    page.get_by_label("公民身份号码或统一社会信用代码").fill(citizen["id_number"])
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="周市民")).to_be_visible()
    page.get_by_role("button", name="密码", exact=True).click()  # the box is not ticked yet
    expect(page.locator("img.qr-code")).to_have_count(0)
    page.get_by_label("我已核验办事人的身份证件，与此账号一致。").check()
    page.get_by_role("button", name="密码", exact=True).click()
    expect(page.get_by_role("heading", name="一次性重置码：仅显示这一次")).to_be_visible()
    link = _decode_qr(page.locator("img.qr-code").screenshot())
    assert link.startswith(live_server.url + "/account/reset#")
    entry = audit_entries(app, "operator.account.reset_issued", citizen["sub"])[-1]
    assert entry.data["by"] == "吴柜员" and entry.data["role"] == "clerk"

    phone = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    mobile = phone.new_page()
    mobile.goto(link)
    expect(mobile.locator("#login")).to_have_value(citizen["username"])
    mobile.get_by_role("button", name="继续").click()
    expect(mobile).to_have_url(re.compile(r"/account/reset/new$"))
    mobile.get_by_label("新密码（至少 8 个字符）").fill(NEW_PASSWORD)
    mobile.get_by_label("再次输入新密码").fill(NEW_PASSWORD)
    mobile.get_by_role("button", name="保存").click()
    expect(mobile.get_by_role("heading", name="已完成")).to_be_visible()
    desk.close()
    phone.close()
