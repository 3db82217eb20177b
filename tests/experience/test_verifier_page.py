"""The verifier page at a counter: the camera's stop button shows only while scanning,
and every verdict's text meets WCAG 2.1 AA contrast (1.4.3: at least 4.5:1) on its
colour."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.experience.pages import PAGES

pytestmark = [pytest.mark.live, pytest.mark.browser]

#: WCAG 2.1 relative luminance and contrast ratio, computed in the page.
CONTRAST = """el => {
  const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = c.map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  let bg = el, colour;
  while (bg && (colour = getComputedStyle(bg).backgroundColor) === 'rgba(0, 0, 0, 0)') {
    bg = bg.parentElement; }
  const a = lum(rgb(getComputedStyle(el).color)), b = lum(rgb(colour));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.mark.parametrize("state", ["valid", "suspended", "revoked"])
def test_every_verdict_colour_meets_aa_contrast(browser, world, state):
    page = browser.new_page(locale="zh-CN", viewport={"width": 360, "height": 740})
    PAGES[f"verify-{state}"](page, world)
    texts = page.locator("#result .verdict p, #result .verdict span")
    assert texts.count() >= 1
    ratios = [texts.nth(i).evaluate(CONTRAST) for i in range(texts.count())]
    assert min(ratios) >= 4.5, ratios
    page.close()


def test_stop_button_only_while_scanning(browser, world):
    """Chromium's fake camera (a test pattern, no QR code) stands in for a real one."""
    from playwright.sync_api import expect

    args = [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream"]
    chromium = browser.browser_type.launch(executable_path=CHROMIUM, args=args)
    try:
        context = chromium.new_context(locale="zh-CN", permissions=["camera"],
                                       viewport={"width": 360, "height": 740})
        page = context.new_page()
        page.goto(world.base + "/verify")
        start, stop = page.locator("#camera-start"), page.locator("#camera-stop")
        expect(start).to_be_visible()
        expect(stop).to_be_hidden()
        start.click()
        expect(stop).to_be_visible()
        expect(start).to_be_hidden()
        expect(page.locator("#camera")).to_be_visible()
        stop.click()
        expect(stop).to_be_hidden()
        expect(start).to_be_visible()
        expect(page.locator("#camera")).to_be_hidden()
    finally:
        chromium.close()


def _camera_file(path: Path, texts: list[str], seconds_each: float = 1.5) -> Path:
    """A Y4M video (what Chromium's fake camera plays, in a loop) showing each QR code
    in turn on white: Y plane from the image, neutral chroma."""
    from PIL import Image

    from credentials.formats import qr_image

    width, height, fps = 640, 480, 10
    frames = []
    for text in texts:
        png = qr_image.render(text, max_version=40, scale=6).png
        image = Image.open(io.BytesIO(png)).convert("L")
        image.thumbnail((440, 440))
        canvas = Image.new("L", (width, height), 255)
        canvas.paste(image, ((width - image.width) // 2, (height - image.height) // 2))
        frame = b"FRAME\n" + canvas.tobytes() + bytes([128]) * (width * height // 2)
        frames += [frame] * int(fps * seconds_each)
    header = f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + b"".join(frames))
    return path


def test_continuous_mode_verifies_one_code_after_another_without_a_tap(
        browser, world, tmp_path):
    """A counter's camera shows two licences in turn: both are verified, each once per
    showing, with no tap between them, and the camera stays on."""
    from playwright.sync_api import expect

    video = _camera_file(tmp_path / "counter.y4m", [world.licences["valid"]["offline_qr"],
                                                    world.licences["suspended"]["offline_qr"]])
    args = [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream", f"--use-file-for-fake-video-capture={video}"]
    chromium = browser.browser_type.launch(executable_path=CHROMIUM, args=args)
    try:
        page = chromium.new_context(locale="zh-CN", permissions=["camera"],
                                    viewport={"width": 1280, "height": 800}).new_page()
        verdicts: list[str] = []
        page.goto(world.base + "/verify")
        page.get_by_label("连续扫码（柜台模式：识别后自动核验，接着扫下一张）").check()
        page.locator("#camera-start").click()
        for _ in range(8):  # each verification is one response; the video loops
            if {"valid", "suspended"} <= set(verdicts):
                break
            response = page.wait_for_event(
                "response", lambda r: r.url.endswith("/api/v1/verify"), timeout=20_000)
            verdicts.append(json.loads(response.body())["status"])
        assert {"valid", "suspended"} <= set(verdicts), verdicts
        # One verification per showing: never the same code twice in a row.
        assert all(a != b for a, b in zip(verdicts, verdicts[1:], strict=False)), verdicts
        expect(page.locator("#camera-stop")).to_be_visible()  # still scanning
        expect(page.locator("#camera-note")).to_have_text(
            re.compile("请出示下一张证照二维码|正在核验"))
    finally:
        chromium.close()


@pytest.mark.parametrize(("state", "expected", "absent"), [
    ("valid", ["请当面核对持证人本人与其身份证件", "签发机构", "许可证编号", "类别"], "时间："),
    ("suspended", ["暂停时间：", "（北京时间）"], "请当面核对"),
    ("revoked", ["吊销时间：", "被拒证照"], "请当面核对"),
])
def test_script_result_tells_the_clerk_what_to_do(browser, world, state, expected, absent):
    page = browser.new_page(locale="zh-CN", viewport={"width": 360, "height": 740})
    PAGES[f"verify-{state}"](page, world)
    text = page.locator("#result").inner_text()
    for phrase in expected:
        assert phrase in text, (phrase, text)
    assert absent not in text.split("核验时间")[0]
    assert re.search(r"核验时间\s+\d{4}年\d{1,2}月\d{1,2}日", text), text
    assert "在线核验" in text
    page.close()
