"""Phones first, and for everyone: on a 360 px phone and a 1280 px desktop, no public
page scrolls sideways and axe-core finds no accessibility violation -- home, login,
account, consents, the wallet, the verifier with a valid, a revoked and a suspended
result, an error page and the 404 page. Debian's Chromium against `onegate serve`."""

from __future__ import annotations

import pytest

from tests.experience.pages import PAGES, axe_violations, overflow, sign_in, widest

pytestmark = [pytest.mark.live, pytest.mark.browser]

VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}


@pytest.fixture(scope="module", params=list(VIEWPORTS))
def signed_in(request, browser, world):
    context = browser.new_context(locale="zh-CN", viewport=VIEWPORTS[request.param],
                                  bypass_csp=True)  # to inject axe-core only
    sign_in(context, world)
    yield context
    context.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_page_fits_and_passes_axe(signed_in, world, name):
    page = signed_in.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        PAGES[name](page, world)
        page.wait_for_load_state("networkidle")
        wider = overflow(page)
        assert wider <= 0, f"{name} is {wider}px too wide: {widest(page)}"
        assert axe_violations(page) == []
        assert errors == []
    finally:
        page.close()
