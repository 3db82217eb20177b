"""A holder logs in through the provider's pages in a real browser (Debian's Chromium)
and sees their licence, its status and its QR code in the wallet, and shows the QR full
screen for a clerk's scanner (phone 360x640, landscape, kiosk 1080x1920)."""

from __future__ import annotations

import importlib
import io
import re

import pytest

from tests.credentials.helpers import dept_headers, make_department, register_wallet

pytestmark = [pytest.mark.live, pytest.mark.browser]

PHONE, LANDSCAPE, KIOSK = (360, 640), (640, 360), (1080, 1920)


def _viewport(size: tuple[int, int]) -> dict:
    return {"width": size[0], "height": size[1]}


def _decode(locator) -> list[str]:
    from PIL import Image

    zxingcpp = importlib.import_module("zxingcpp")
    shot = Image.open(io.BytesIO(locator.screenshot())).convert("L")
    # QR only: a QR's module pattern can also decode as a spurious linear barcode.
    return [r.text for r in zxingcpp.read_barcodes(shot, formats=zxingcpp.BarcodeFormat.QRCode)]


def _full_screen(page, opener, expected: str, names: list[str], *, keyboard: bool = False,
                 api: bool = True):
    """Open the full-screen view from ``opener``, check it fills the viewport with a QR
    decoding to ``expected``, close it (Escape, or the close button from the keyboard)
    and check focus went back to the opener. ``api``: the browser has the Fullscreen API
    (else the CSS overlay alone must do)."""
    from playwright.sync_api import expect

    if keyboard:
        opener.focus()
        page.keyboard.press("Enter")
    else:
        opener.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    close = dialog.get_by_role("button", name="关闭")
    expect(close).to_be_focused()
    for name in names:
        expect(dialog).to_contain_text(name)
    if api:  # Debian's Chromium grants the Fullscreen API after the click or key press
        page.wait_for_function("() => document.fullscreenElement === document.documentElement")
    else:
        assert page.evaluate("() => document.fullscreenElement") is None
    qr = dialog.get_by_role("img")
    expect(qr).to_have_attribute("src", re.compile("^data:image/png;base64,"))
    page.wait_for_function("() => document.getElementById('fullscreen-qr').complete")
    width, height = page.evaluate("[window.innerWidth, window.innerHeight]")
    box = qr.bounding_box()
    side = min(width, height)
    assert min(box["width"], box["height"]) >= 0.8 * side, (box, width, height)
    assert box["x"] >= -0.5 and box["y"] >= -0.5, box
    assert box["x"] + box["width"] <= width + 0.5, (box, width)
    assert box["y"] + box["height"] <= height + 0.5, (box, height)
    close_box = close.bounding_box()
    assert close_box["height"] >= 48 and close_box["y"] + close_box["height"] <= height + 0.5
    assert _decode(qr) == [expected]
    if keyboard:
        page.keyboard.press("Enter")
    else:
        page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()
    page.wait_for_function("() => !document.fullscreenElement")


def test_holder_sees_licence_and_qr(app, migrated, live_server, browser, unique, tmp_path):
    from playwright.sync_api import expect

    from tests.idp.accounts.factories import PASSWORD, make_person

    register_wallet(migrated, live_server.url, tmp_path)
    person = make_person(app, unique, display_name="陈小红")
    dept = make_department(app, unique)
    body = dept.body(holder={"code_type": "111", "number": person["id_number"],
                             "name": "陈小红"})
    licence = app.test_client().post("/api/v1/licenses", json=body,
                                     headers=dept_headers(app, dept)).get_json()

    context = browser.new_context(locale="zh-CN", viewport=_viewport(PHONE))
    page = context.new_page()
    page.goto(live_server.url + "/wallet")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("button", name="退出")).to_be_hidden()
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
    assert _decode(qr) == [licence["offline_qr"]]
    expect(page.get_by_text(licence["claims"]["permit_number"])).to_be_visible()

    # Full screen for the clerk's scanner: phone, landscape, kiosk (by keyboard).
    opener = page.get_by_role("button", name="全屏出示")
    _full_screen(page, opener, licence["offline_qr"], ["测试许可证", "陈小红"])
    page.set_viewport_size(_viewport(LANDSCAPE))
    _full_screen(page, opener, licence["offline_qr"], ["测试许可证", "陈小红"])
    page.set_viewport_size(_viewport(KIOSK))
    _full_screen(page, opener, licence["offline_qr"], ["测试许可证", "陈小红"], keyboard=True)
    page.set_viewport_size(_viewport(PHONE))
    # Without the Fullscreen API (as on an iPhone) the CSS overlay alone fills the viewport.
    page.add_init_script("delete Element.prototype.requestFullscreen;"
                         "delete Element.prototype.webkitRequestFullscreen;")
    page.get_by_role("link", name="选择出示信息").click()
    page.get_by_label("地址").check()
    page.get_by_role("button", name="生成出示二维码").click()
    text = page.get_by_label("出示内容（可复制）")
    expect(text).to_have_value(re.compile("~"))
    presentation = text.input_value()
    opener = page.get_by_role("button", name="全屏出示")
    _full_screen(page, opener, presentation, ["测试许可证", "陈小红"], api=False)
    page.set_viewport_size(_viewport(KIOSK))
    _full_screen(page, opener, presentation, ["测试许可证", "陈小红"], keyboard=True,
                 api=False)
