"""Both languages everywhere: every public page in zh-CN (by default) and in English
(Accept-Language, ``ui_locales`` or the switch), with the switch on every page; and no
English fragments on a Chinese page -- words a person reads, not a licence's data,
addresses or the names of technical standards."""

from __future__ import annotations

import re

import pytest

from tests.experience.pages import CONSOLE_PAGES, PAGES, console_sign_in, done, shown, sign_in

pytestmark = [pytest.mark.live, pytest.mark.browser]

#: Latin words a Chinese page may show: names of standards and formats, the switch's
#: own "English", and data (permit numbers such as TP012345).
ALLOWED = {"English", "OpenID", "Connect", "OpenAPI", "JSON", "SD", "JWT", "LIC", "TP",
           # Browsers and systems by their brand names (idp.user_agents).
           "Chrome", "Chromium", "Edge", "Firefox", "Safari", "Opera", "Android", "iPhone",
           "iPad", "Windows", "macOS", "ChromeOS", "Linux", "HarmonyOS",
           # The product's own name ("onegate 应用": the phone app that scans a login QR).
           "onegate",
           # The staff console: products, protocols and formats by their names (Redis,
           # PKCE, http and https, JSON Schema, UTC) and the signing algorithms (JWA).
           "Redis", "PKCE", "http", "https", "Schema", "UTC", "ES", "RS", "EdDSA"}
#: Parts of a page not checked for language, with the reason. /api/docs: the rendered
#: OpenAPI document is the document's own text (one text for both pages: Chinese
#: summaries and examples, paths, field names, and response descriptions still in
#: English). Swagger UI's own words are checked in both languages by
#: test_api_docs_page.py::test_renderer_speaks_the_pages_language; the header here.
NOT_CHECKED = {"api-docs": "#api-docs"}
URL = re.compile(r"https?://\S+")


def english_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z]{2,}", URL.sub("", text)) if w not in ALLOWED]


@pytest.fixture(scope="module", params=["zh-CN", "en"])
def context(request, browser, world):
    found = browser.new_context(locale=request.param, viewport={"width": 360, "height": 740})
    sign_in(found, world)
    yield found
    found.close()


@pytest.fixture(scope="module", params=["zh-CN", "en"])
def staff_context(request, browser, world):
    """A platform administrator signed in to the console, once per language."""
    found = browser.new_context(locale=request.param, viewport={"width": 360, "height": 740})
    console_sign_in(found, world)
    yield found
    found.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_page_speaks_the_browsers_language_and_offers_the_other(context, world, name):
    speaks(context, world, name, PAGES[name])


@pytest.mark.parametrize("name", list(CONSOLE_PAGES))
def test_console_page_speaks_the_browsers_language_and_offers_the_other(staff_context, world,
                                                                        name):
    speaks(staff_context, world, name, CONSOLE_PAGES[name])


def speaks(context, world, name, visit) -> None:
    outer = context.new_page()
    page = shown(outer, visit(outer, world))
    page.wait_for_load_state("networkidle")
    wanted = page.evaluate("navigator.language")
    lang = page.locator("html").get_attribute("lang")
    assert lang == wanted, (name, lang)
    other = "en" if lang == "zh-CN" else "zh-CN"
    assert page.locator(f"nav a[hreflang='{other}']").count() == 1, name
    text = wording(page, world, NOT_CHECKED.get(name))
    if lang == "zh-CN":
        assert english_words(text) == [], (name, english_words(text), text)
    else:
        assert re.findall(r"[\u4e00-\u9fff]+", text) == [], (name, text)
    done(outer, page)


def wording(page, world, skipped: str | None = None) -> str:
    """What the page says in its own words: its text without identifiers (``.mono``),
    registered data marked ``translate="no"`` (the console's names of staff, clients,
    licence types, reasons), the language switch (named in the other language),
    addresses, ``world.data`` and the ``skipped`` part (a selector from NOT_CHECKED)."""
    selector = ".mono, [translate=no], nav.language" + (", " + skipped if skipped else "")
    text = page.evaluate("""(selector) => {
      document.querySelectorAll(selector).forEach(e => e.remove());
      return document.body.innerText;
    }""", selector)
    for item in world.data:
        text = text.replace(item, " ")
    return URL.sub(" ", text)


def test_ui_locales_and_the_switch_carry_over_to_the_next_page(browser, world):
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(world.base + "/verify?ui_locales=en")
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(world.base + "/")  # the choice is kept for the rest of the visit
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator("nav a[hreflang='zh-CN']").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.goto(world.base + "/no-such-page")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.get_by_role("heading", name="页面不存在").is_visible()
    context.close()


def test_the_console_follows_ui_locales_and_its_switch(browser, world):
    """Staff pages too: ``ui_locales`` is kept for the visit, and the footer's switch
    shows the same console page in the other language, still signed in."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    console_sign_in(context, world)
    page = context.new_page()
    page.goto(world.base + "/admin/keys?ui_locales=en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Signing keys").is_visible()
    page.goto(world.base + "/admin/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator("nav a[hreflang='zh-CN']").click()
    page.wait_for_load_state()
    assert page.url.split("?")[0] == world.base + "/admin/"
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.get_by_role("heading", name="概览", exact=True).is_visible()
    context.close()
