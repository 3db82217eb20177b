"""/api/docs in Debian's Chromium against `onegate serve` (issue 12): the vendored
renderer draws every operation of /api/v1/openapi.json with its Chinese summary and
examples, under the site's strict CSP with no console error, without one request
leaving the origin, fitting a 360 px phone, and passing the vendored axe-core check
(with the exceptions listed below, each with its reason)."""

from __future__ import annotations

import re

import pytest
import requests

from tests.experience.pages import AXE, overflow, widest

pytestmark = [pytest.mark.live, pytest.mark.browser]

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
PHONE, DESKTOP = {"width": 360, "height": 740}, {"width": 1280, "height": 800}


def _open(context, base: str, seen: dict):
    page = context.new_page()
    page.on("request", lambda request: seen["requests"].append(request.url))
    page.on("console", lambda message: seen["console"].append(
        f"{message.type}: {message.text}") if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda exc: seen["console"].append(f"pageerror: {exc}"))
    page.goto(base + "/api/docs")
    page.locator(".opblock").first.wait_for(timeout=60_000)
    # Every request the page makes has been made (the no-other-origin check reads them);
    # generous: on a loaded CI machine the renderer's fetches were seen to take over 30 s.
    page.wait_for_load_state("networkidle", timeout=90_000)
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
    """Open the revoke operation; returns its block once its examples show. (Found by
    its path: its element id names its tag, which is translated with the page.)"""
    block = page.locator(".opblock-post").filter(has=page.locator(
        ".opblock-summary-path[data-path='/api/v1/licenses/{id}/revoke']"))
    block.locator(".opblock-summary-control").click()
    block.get_by_text("revoked_by_authority").first.wait_for(timeout=10_000)
    return block


def live_server_doc(live_server) -> dict:
    return requests.get(live_server.url + "/api/v1/openapi.json", timeout=10).json()


def _visible_texts(block) -> list[str]:
    """The trimmed, visible text of every text node in ``block`` outside code blocks
    (the examples' JSON is data, shown as the API sends it)."""
    return block.evaluate("""(root) => {
      const found = [], walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      let node;
      while ((node = walker.nextNode())) {
        const element = node.parentElement, text = node.nodeValue.trim();
        if (!text || element.closest('pre, code')) continue;
        if (!element.checkVisibility()) continue;
        found.push(text);
      }
      return found;
    }""")


#: What may stay Latin in the visible text of an open operation on the Chinese page:
#: the data of the API, as a client writes it (path, method, parameter and media type
#: names, status codes, JSON types, schema names), and proper nouns.
IDENTIFIER = re.compile(r"^(\*|/[\w/{}.:-]*|[A-Z]+|\d{3}|[\w.+/-]+/[\w.+-]+(;.*)?|"
                        r"string|integer|object|array|boolean|null|number|"
                        r"id|reason|public_reason|public_note|"
                        r"\$ref|StatusChange|Licence|Problem|PublicReason)$")
PROPER_NOUNS = {"JWT", "SD-JWT", "OAuth", "JSON", "ETag"}


def test_chinese_page_shows_no_english_in_an_open_operation(browser, live_server):
    """At 360 px, the revoke operation opened on the Chinese page: its summary, its
    description, its parameters' and responses' descriptions and its examples' names
    are Chinese; what stays Latin is the API's own data (IDENTIFIER)."""
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    seen: dict[str, list[str]] = {"requests": [], "console": []}
    try:
        page = _open(context, live_server.url, seen)
        block = _expand_revoke(page)
        block.locator(".responses-wrapper").wait_for()
        descriptions = block.locator(".response-col_description .markdown, "
                                     ".response-col_description .renderedMarkdown")
        text = block.inner_text()
        for chinese in ("吊销或注销证照（不可恢复）", "证照不存在", "证照当前状态不允许吊销",
                        "GB/T 36904 证照标识", "请求示例", "公开原因代码不在清单中"):
            assert chinese in text, chinese
        assert "No such licence" not in text and "OK" not in text.split()
        assert descriptions.count() >= 5
        said = descriptions.all_inner_texts()
        assert [t for t in said if not CJK.search(t)] == [], said
        english = [t for t in _visible_texts(block)
                   if LATIN.search(t) and not CJK.search(t)
                   and not IDENTIFIER.match(t) and t not in PROPER_NOUNS]
        assert english == []
        assert overflow(page) <= 0, widest(page)
        assert seen["console"] == []
    finally:
        context.close()


def test_english_page_reads_the_same_operation_in_english(browser, live_server):
    context = browser.new_context(locale="en", viewport=PHONE)
    seen: dict[str, list[str]] = {"requests": [], "console": []}
    try:
        page = _open(context, live_server.url, seen)
        block = _expand_revoke(page)
        block.locator(".responses-wrapper").wait_for()
        text = block.inner_text()
        for english in ("Revoke a licence (final)", "No such licence", "Request example",
                        "The public reason's code is not on the list"):
            assert english in text, english
        # Chinese only inside the examples' data (a company's name, a decision number).
        chinese = [t for t in _visible_texts(block) if CJK.search(t)]
        assert chinese == []
        assert seen["console"] == []
    finally:
        context.close()


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
