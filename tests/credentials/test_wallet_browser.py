"""A holder logs in through the provider's pages in a real browser (Debian's Chromium)
and sees their licence, its status and its QR code in the wallet."""

from __future__ import annotations

import importlib
import io
import re

import pytest

from tests.credentials.helpers import dept_headers, make_department, register_wallet

pytestmark = [pytest.mark.live, pytest.mark.browser]


def test_holder_sees_licence_and_qr(app, migrated, live_server, browser, unique, tmp_path):
    from PIL import Image
    from playwright.sync_api import expect

    from tests.idp.accounts.factories import PASSWORD, make_person

    zxingcpp = importlib.import_module("zxingcpp")
    register_wallet(migrated, live_server.url, tmp_path)
    person = make_person(app, unique, display_name="陈小红")
    dept = make_department(app, unique)
    body = dept.body(holder={"code_type": "111", "number": person["id_number"],
                             "name": "陈小红"})
    licence = app.test_client().post("/api/v1/licenses", json=body,
                                     headers=dept_headers(app, dept)).get_json()

    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(live_server.url + "/wallet")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.get_by_role("button", name="登录").click()
    page.get_by_label("用户名、身份证号或手机号").fill(person["username"])
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    consent = page.get_by_role("button", name=re.compile("同意|允许"))
    page.wait_for_url(re.compile(r"/wallet|/oauth/authorize|/consent"))
    if "/wallet" not in page.url and consent.count():
        consent.first.click()
    expect(page).to_have_url(re.compile(r"/wallet$"))
    card = page.get_by_role("link", name=re.compile("测试许可证"))
    expect(card).to_be_visible()
    expect(card).to_contain_text("有效")
    card.click()
    expect(page).to_have_url(re.compile(r"/wallet/l/"))
    qr = page.get_by_role("img", name="离线核验二维码")
    expect(qr).to_have_attribute("src", re.compile("^data:image/png;base64,"))
    shot = Image.open(io.BytesIO(qr.screenshot())).convert("L")
    assert [r.text for r in zxingcpp.read_barcodes(shot)] == [licence["offline_qr"]]
    expect(page.get_by_text(licence["claims"]["permit_number"])).to_be_visible()
    page.get_by_role("link", name="选择出示信息").click()
    page.get_by_label("地址").check()
    page.get_by_role("button", name="生成出示二维码").click()
    expect(page.get_by_label("出示内容（可复制）")).to_have_value(re.compile("~"))
