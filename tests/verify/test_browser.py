"""The verifier page in Debian's Chromium: upload a QR photo, read the verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from credentials.formats import qr_image

pytestmark = pytest.mark.browser




@pytest.mark.parametrize(("case", "tone"), [("valid", "ok"), ("revoked", "bad"),
                                            ("expired", "warn"), ("tampered", "bad")])
def test_upload_a_qr_photo(browser, corpus_server, corpus, tmp_path: Path, case, tone):
    from tests.verify.corpus import CASES

    image = tmp_path / f"{case}.png"
    image.write_bytes(qr_image.render(corpus.case(case, "offline"), max_version=40,
                                      scale=6).png)
    page = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: errors.append(r.url) if r.status >= 400
            and not r.url.endswith("/favicon.ico") else None)
    page.goto(corpus_server + "/verify")
    page.set_input_files("#image", str(image))
    verdict = page.locator("#result .verdict")
    verdict.wait_for(timeout=10_000)
    assert verdict.get_attribute("data-status") == CASES[case]
    assert tone in verdict.get_attribute("class")
    if case == "valid":
        assert "张三小吃店" in page.locator("#result dl.licence").inner_text()
        assert "有效" in verdict.inner_text()
    assert page.locator("#result").get_attribute("aria-live") == "polite"
    assert errors == []
    page.close()


def test_paste_text_and_camera_fallback(browser, corpus_server, corpus):
    page = browser.new_page(locale="zh-CN")
    page.goto(corpus_server + "/verify")
    page.fill("#credential", corpus.case("suspended", "sd_jwt"))
    page.click("#paste-form button[type=submit]")
    page.locator("#result .verdict").wait_for(timeout=10_000)
    assert page.locator("#result .verdict").get_attribute("data-status") == "suspended"
    verdict = page.locator("#result .verdict").inner_text()
    assert "已暂停" in verdict and "签发机构已暂停该证照" in verdict
    # whose licence was refused, labelled in Chinese, never a raw claim name
    assert "被拒证照" in verdict and "张三" in verdict
    details = page.locator("#result dl.licence").inner_text()
    assert "持证人" in details and "holder_name" not in details
    page.close()
