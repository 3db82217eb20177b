"""/api/docs in Debian's Chromium against `onegate serve` (issue 12): the vendored
renderer draws every operation of /api/v1/openapi.json with its Chinese summary and
examples, under the site's strict CSP with no console error, without one request
leaving the origin, fitting a 360 px phone, and passing the vendored axe-core check
(with the exceptions listed below, each with its reason)."""

from __future__ import annotations

import pytest
import requests

from tests.experience.pages import AXE, overflow, widest

pytestmark = [pytest.mark.live, pytest.mark.browser]

PHONE, DESKTOP = {"width": 360, "height": 740}, {"width": 1280, "height": 800}


def _open(context, base: str, seen: dict):
    page = context.new_page()
    page.on("request", lambda request: seen["requests"].append(request.url))
    page.on("console", lambda message: seen["console"].append(
        f"{message.type}: {message.text}") if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda exc: seen["console"].append(f"pageerror: {exc}"))
    page.goto(base + "/api/docs")
    page.locator(".opblock").first.wait_for(timeout=20_000)
    page.wait_for_load_state("networkidle")
    return page


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_reference_renders_every_operation_from_here_only(browser, live_server, viewport):
    base = live_server.url
    operations = sum(1 for item in live_server_doc(live_server)["paths"].values()
                     for method in item if method in ("get", "post", "put", "delete"))
    context = browser.new_context(locale="zh-CN", viewport=viewport)
    seen: dict[str, list[str]] = {"requests": [], "console": []}
    try:
        page = _open(context, base, seen)
        assert page.locator(".opblock").count() == operations
        assert "电子证照接口文档" in page.locator("h1").first.inner_text()
        text = page.locator("#api-docs").inner_text()
        assert "签发一张电子证照" in text and "/api/v1/verify" in text
        # An operation opens on its Chinese examples, problem details included.
        body = _expand_revoke(page)
        assert "依据行政处罚决定书" in body.inner_text()
        assert "深市监罚" in body.inner_text()  # the request example's internal reason
        wider = overflow(page)
        assert wider <= 0, f"/api/docs is {wider}px too wide: {widest(page)}"
        outside = [url for url in seen["requests"]
                   if not url.startswith(base + "/") and not url.startswith("data:")]
        assert outside == []
        assert seen["console"] == []  # CSP refusals are console errors
    finally:
        context.close()


def _expand_revoke(page):
    """Open the revoke operation; returns its block once its examples show."""
    block = page.locator("#operations-licences-post_api_v1_licenses__id__revoke")
    block.locator(".opblock-summary-control").click()
    block.get_by_text("revoked_by_authority").first.wait_for(timeout=10_000)
    return block


def live_server_doc(live_server) -> dict:
    return requests.get(live_server.url + "/api/v1/openapi.json", timeout=10).json()


#: axe-core rules Swagger UI breaks that onegate cannot fix from outside; each found on
#: 5.35.0 and explained. Empty: admin/static/api-docs.css and api-docs.js fix what 5.35.0
#: breaks (method badge and grey text contrast, highlighted code colours, scrolling
#: example boxes, unnamed <select>s, a link nested in each operation's button, a second
#: h1 and main landmark), so a new violation fails here.
AXE_EXCEPTIONS: dict[str, str] = {}


def test_reference_passes_axe(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport=PHONE,
                                  bypass_csp=True)  # to inject axe-core only
    seen: dict[str, list[str]] = {"requests": [], "console": []}
    try:
        page = _open(context, live_server.url, seen)
        _expand_revoke(page)  # an open operation too: parameters, examples, responses
        page.add_script_tag(path=str(AXE))
        found = page.evaluate("""async () => {
          const result = await axe.run(document, {resultTypes: ['violations']});
          return result.violations.map(v => [v.id, v.impact + ': ' +
            v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')]);
        }""")
        assert [f"{rule} ({where})" for rule, where in found
                if rule not in AXE_EXCEPTIONS] == []
    finally:
        context.close()


#: Swagger UI's interface words around an open operation, and their Chinese.
CHROME = {"Parameters": "参数", "Request body": "请求体", "Responses": "响应",
          "Example Value": "示例值", "Schema": "结构", "Code": "状态码"}


def _interface_words(page) -> set[str]:
    """The trimmed text of every text node in the reference outside code and data."""
    return set(page.evaluate("""() => {
      const found = [], walker = document.createTreeWalker(
        document.getElementById('api-docs'), NodeFilter.SHOW_TEXT);
      let node;
      while ((node = walker.nextNode())) {
        if (!node.parentElement.closest('pre, code')) found.push(node.nodeValue.trim());
      }
      return found;
    }"""))


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_renderer_speaks_the_pages_language(browser, live_server, locale):
    """Swagger UI's own words ("Parameters", "Responses", ...) are Chinese on the
    Chinese page (admin/static/api-docs.js) and stay English on the English one; the
    page's header and the examples' labels follow the page too."""
    context = browser.new_context(locale=locale, viewport=DESKTOP)
    seen: dict[str, list[str]] = {"requests": [], "console": []}
    try:
        page = _open(context, live_server.url, seen)
        _expand_revoke(page)
        page.locator("#api-docs .responses-wrapper").first.wait_for()
        words = _interface_words(page)
        wanted = set(CHROME.values()) if locale == "zh-CN" else set(CHROME)
        unwanted = set(CHROME) if locale == "zh-CN" else set(CHROME.values())
        assert wanted <= words, sorted(wanted - words)
        assert words & unwanted == set()
        heading = page.locator("h1").first.inner_text()
        assert heading == ("电子证照接口文档" if locale == "zh-CN" else "Licence API reference")
        assert seen["console"] == []
    finally:
        context.close()
