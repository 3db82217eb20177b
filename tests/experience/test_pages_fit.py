"""Phones first, and for everyone: on a 360 px phone and a 1280 px desktop, in Chinese
and in English, no public page scrolls sideways and axe-core finds no
accessibility violation -- home, login, account, consents and the question before a
withdrawal, the logout question, the wallet, the verifier with a valid, a revoked and
a suspended result, an error page and the 404 page, and every other page in
tests/experience/pages.py (test_survey_complete.py keeps that list whole), and every
page of the staff console, signed in as a platform administrator. Debian's Chromium
against `onegate serve`."""

from __future__ import annotations

import pytest

from tests.experience.pages import (
    CONSOLE_PAGES,
    PAGES,
    axe_violations,
    console_sign_in,
    done,
    overflow,
    shown,
    sign_in,
    widest,
)

pytestmark = [pytest.mark.live, pytest.mark.browser]

PHONE, DESKTOP = {"width": 360, "height": 740}, {"width": 1280, "height": 800}
#: Both sizes in both languages.
SETUPS = {"zh-phone": ("zh-CN", PHONE), "zh-desktop": ("zh-CN", DESKTOP),
          "en-phone": ("en", PHONE), "en-desktop": ("en", DESKTOP)}


@pytest.fixture(scope="module", params=list(SETUPS))
def signed_in(request, browser, world):
    locale, viewport = SETUPS[request.param]
    context = browser.new_context(locale=locale, viewport=viewport,
                                  bypass_csp=True)  # to inject axe-core only
    sign_in(context, world)
    yield context
    context.close()


@pytest.fixture(scope="module", params=list(SETUPS))
def staff_signed_in(request, browser, world):
    """A platform administrator signed in to the console once per size and language."""
    locale, viewport = SETUPS[request.param]
    context = browser.new_context(locale=locale, viewport=viewport, bypass_csp=True)
    console_sign_in(context, world)
    yield context
    context.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_page_fits_and_passes_axe(signed_in, world, name):
    check(signed_in, world, name, PAGES[name])


@pytest.mark.parametrize("name", list(CONSOLE_PAGES))
def test_console_page_fits_and_passes_axe(staff_signed_in, world, name):
    check(staff_signed_in, world, name, CONSOLE_PAGES[name])


def check(context, world, name, visit) -> None:
    page = context.new_page()
    checked = page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        checked = shown(page, visit(page, world))
        if checked is not page:
            checked.on("pageerror", lambda exc: errors.append(str(exc)))
        checked.wait_for_load_state("networkidle")
        wider = overflow(checked)
        assert wider <= 0, f"{name} is {wider}px too wide: {widest(checked)}"
        assert axe_violations(checked) == []
        assert errors == []
    finally:
        done(page, checked)
