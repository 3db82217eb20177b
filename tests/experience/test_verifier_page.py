"""The verifier page at a counter: the camera's stop button shows only while scanning,
and every verdict's text meets WCAG 2.1 AA contrast (1.4.3: at least 4.5:1) on its
colour."""

from __future__ import annotations

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
    assert texts.count() >= 2
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
