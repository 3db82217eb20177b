"""The holder sees, on a revoked licence in the wallet, since when and the issuer's
public reason with its note, in the page's language (never the internal reason), on a
360 px phone without sideways scrolling (issue 12)."""

from __future__ import annotations

import pytest

from tests.experience.pages import overflow, sign_in

pytestmark = [pytest.mark.live, pytest.mark.browser]

EXPECTED = {
    "zh-CN": ("起吊销", "签发机构公开的原因：被主管部门依法吊销（依据行政处罚决定书"),
    "en": ("Revoked since", "Reason given by the issuer: Revoked by the competent "
                            "authority (依据行政处罚决定书"),
}


@pytest.mark.parametrize("locale", list(EXPECTED))
def test_wallet_shows_the_public_reason_of_a_revoked_licence(browser, world, locale):
    context = browser.new_context(locale=locale, viewport={"width": 360, "height": 740})
    try:
        sign_in(context, world)
        page = context.new_page()
        page.goto(world.base + "/wallet/l/" + world.licences["revoked"]["identifier"])
        page.locator("#show-status:not([hidden])").wait_for(timeout=15_000)
        text = page.locator("#show-status").inner_text()
        since, reason = EXPECTED[locale]
        assert since in text and reason in text
        assert "核查发现许可条件不再满足" not in page.locator("body").inner_text()
        assert overflow(page) <= 0
    finally:
        context.close()
