"""The verifier page with no network (issue 12), in Debian's Chromium: after one visit
online, the page comes back from its service worker's cache with the server stopped
and the browser offline, and verifies every offline code of the shared corpus in the
page, reaching the server's verdict with the server's checks, reasons and licence
details; it refuses a stale bundle and one whose signature is not the provider's."""

from __future__ import annotations

import base64
import json
import threading
from datetime import datetime, timedelta

import pytest
from werkzeug.serving import make_server

from credentials.formats import jws, qr_image, status_list
from tests.verify.corpus import CASES, IDX_REVOKED, IDX_SUSPENDED, IDX_VALID, STATUS_URI, Key
from verify import bundle as bundles

pytestmark = pytest.mark.browser

READY = "#offline-status[data-state=ready]"
CONTROLLED = "() => navigator.serviceWorker && navigator.serviceWorker.controller !== null"


class Server:
    """The corpus app on loopback, stoppable in the middle of a test (no network)."""

    def __init__(self, app) -> None:
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self._server.shutdown()
            self._server.server_close()
            self.running = False


@pytest.fixture
def server(corpus_app):
    found = Server(corpus_app)
    yield found
    found.stop()


@pytest.fixture
def context(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740},
                                  bypass_csp=True)  # only to inject axe-core below
    yield context
    context.close()


def _visit_online(context, server):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server.url + "/verify")
    page.wait_for_function(CONTROLLED, timeout=15_000)
    page.locator(READY).wait_for(timeout=15_000)
    return page, errors


def _go_offline(context, page, server):
    """Stop the server and switch the network off: nothing can be fetched any more."""
    server.stop()
    context.set_offline(True)
    page.reload()
    page.wait_for_function(CONTROLLED, timeout=15_000)
    page.locator("#offline-status[data-state]").wait_for(timeout=15_000)
    assert page.evaluate("navigator.onLine") is False


def _server_result(corpus_app, text: str) -> dict:
    response = corpus_app.test_client().post("/api/v1/verify", json={"credential": text})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _comparable(result: dict) -> dict:
    return {key: result[key] for key in ("valid", "status", "form", "reason", "reason_zh",
                                         "checks", "license")}


def _submit(page, text: str):
    page.evaluate("document.getElementById('result').replaceChildren()")
    page.fill("#credential", text)
    page.click("#paste-form button[type=submit]")
    box = page.locator("#result .verdict")
    box.wait_for(timeout=15_000)
    return box


def test_offline_page_reaches_the_servers_verdicts(context, server, corpus_app, corpus):
    expected = {case: _server_result(corpus_app, corpus.case(case, "offline"))
                for case in CASES}
    page, errors = _visit_online(context, server)
    _go_offline(context, page, server)
    assert page.locator("#offline-status").get_attribute("data-state") == "ready"
    assert "数据截至" in page.locator("#offline-status").inner_text()
    for case, status in CASES.items():
        text = corpus.case(case, "offline")
        found = page.evaluate("t => OnegateOffline.verify(t)", text)
        assert found["checked"]["mode"] == "offline"
        assert _comparable(found) == _comparable(expected[case]), case
        assert found["status"] == status
        box = _submit(page, text)
        assert box.get_attribute("data-status") == status, case
        assert "离线核验" in page.locator("#result dl.checked").inner_text()
    # The page is still the cached one: nothing reached a server.
    assert errors == []


def _hostile(corpus) -> dict[str, str]:
    import cbor2

    from credentials.formats import base45, inflate

    cose = inflate.decompress(base45.decode(corpus.case("valid", "offline")[5:]),
                              max_size=1 << 16)
    item = cbor2.loads(cose)

    def code(raw: bytes, extra: bytes = b"") -> str:
        return "LIC1:" + base45.encode(inflate.compress(raw) + extra)

    return {"blank": "   ", "neither": "hello", "empty code": "LIC1:",
            "not base45": "LIC1:ABC!", "bomb": code(b"\0" * 20000),
            "after zlib": code(cose, b"\0"), "after cbor": code(cose + b"\0"),
            "not cbor": code(b"\xff\xff"), "other tag": code(cbor2.dumps(
                cbor2.CBORTag(98, item.value))),
            "short kid": code(cbor2.dumps(cbor2.CBORTag(18, [
                cbor2.dumps({1: -7, 4: b"abc"}), {}, *item.value[2:]])))}


def test_offline_page_refuses_hostile_codes_as_the_server_does(context, server, corpus_app,
                                                               corpus):
    texts = _hostile(corpus)
    expected = {name: _server_result(corpus_app, text) for name, text in texts.items()}
    page, errors = _visit_online(context, server)
    _go_offline(context, page, server)
    for name, text in texts.items():
        found = page.evaluate("t => OnegateOffline.verify(t)", text)
        assert _comparable(found) == _comparable(expected[name]), name
    assert errors == []


def test_offline_photo_and_forms_that_need_the_network(context, server, corpus, tmp_path):
    page, _ = _visit_online(context, server)
    _go_offline(context, page, server)
    image = tmp_path / "revoked.png"
    image.write_bytes(qr_image.render(corpus.case("revoked", "offline"), max_version=40,
                                      scale=6).png)
    page.evaluate("document.getElementById('result').replaceChildren()")
    page.set_input_files("#image", str(image))
    box = page.locator("#result .verdict")
    box.wait_for(timeout=15_000)
    assert box.get_attribute("data-status") == "revoked"
    # An SD-JWT VC needs the network: said so, no verdict on the licence.
    box = _submit(page, corpus.case("valid", "sd_jwt"))
    assert box.get_attribute("data-refusal") == "form"
    assert box.get_attribute("data-status") is None
    assert "需要联网" in box.inner_text()


def test_unreachable_server_while_the_browser_says_online(context, server, corpus):
    """A counter whose network is up but cannot reach the service (navigator.onLine is
    still true): the page comes from the cache and the code is verified in the page."""
    page, _ = _visit_online(context, server)
    server.stop()
    page.reload()
    page.wait_for_function(CONTROLLED, timeout=15_000)
    assert page.evaluate("navigator.onLine") is True
    box = _submit(page, corpus.case("expired", "offline"))
    assert box.get_attribute("data-status") == "expired"
    assert "离线核验" in page.locator("#result dl.checked").inner_text()


def test_offline_page_fits_a_phone_and_passes_axe(context, server, corpus):
    from tests.experience.pages import axe_violations, overflow

    page, _ = _visit_online(context, server)
    _go_offline(context, page, server)
    _submit(page, corpus.case("revoked", "offline"))
    assert overflow(page) <= 0
    assert axe_violations(page) == []


def test_stale_bundle_refused(context, server, corpus):
    """The browser's clock moved past the bundle's max-age (a day): refused, with how
    old the data is; no verdict on the licence."""
    page, _ = _visit_online(context, server)
    issued = int(page.locator("#offline-status").get_attribute("data-issued-at"))
    context.set_offline(True)
    server.stop()
    page.clock.set_fixed_time(datetime.fromtimestamp(issued) + timedelta(days=1, minutes=1))
    page.reload()
    page.locator("#offline-status[data-state=stale]").wait_for(timeout=15_000)
    box = _submit(page, corpus.case("valid", "offline"))
    assert box.get_attribute("data-refusal") == "stale"
    assert box.get_attribute("data-status") is None
    assert "离线数据已过期" in box.inner_text() and "1天0小时" in box.inner_text()


def _put_bundle(page, body: dict) -> None:
    page.evaluate("""async body => {
        const cache = await caches.open('onegate-verify-v1');
        await cache.put('/api/v1/offline-bundle?format=json', new Response(body,
            {headers: {'Content-Type': 'application/json'}}));
    }""", json.dumps(body))


def _cached_bundle(page) -> dict:
    return json.loads(page.evaluate("""async () => {
        const hit = await caches.match('/api/v1/offline-bundle?format=json');
        return hit.text();
    }"""))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_tampered_bundle_refused(context, server, corpus):
    """A bundle whose payload was changed after signing (its max-age stretched to ten
    years) is refused, not believed."""
    page, _ = _visit_online(context, server)
    body = _cached_bundle(page)
    header, payload, signature = body["bundle"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["max_age"] = 10 * 365 * 86400
    body["bundle"] = ".".join([header, _b64(json.dumps(claims).encode()), signature])
    _put_bundle(page, body)
    _go_offline(context, page, server)
    assert page.locator("#offline-status").get_attribute("data-state") == "bad"
    box = _submit(page, corpus.case("revoked", "offline"))
    assert box.get_attribute("data-refusal") == "bad"
    assert box.get_attribute("data-status") is None


def test_bundle_signed_with_its_own_keys_refused(context, server, corpus, corpus_app):
    """Someone else's key, published inside the bundle it signs and under the provider
    key's kid: the page checks against the keys pinned in the page, and refuses."""
    page, _ = _visit_online(context, server)
    body = _cached_bundle(page)
    token = body["bundle"]
    header, claims = jws.unverified_parts(token)
    forger = Key.new()
    claims["provider_jwks"] = {"keys": [{**forger.jwk, "kid": header["kid"]}]}
    forged = jws.sign(claims, private_key=forger.private, alg="ES256",
                      headers={"typ": bundles.TYP, "kid": header["kid"]})
    _put_bundle(page, {"bundle": forged, "provider_jwks": claims["provider_jwks"]})
    _go_offline(context, page, server)
    assert page.locator("#offline-status").get_attribute("data-state") == "bad"
    box = _submit(page, corpus.case("valid", "offline"))
    assert box.get_attribute("data-refusal") == "bad"


def test_bundle_refreshes_when_the_network_returns(context, server, corpus, corpus_app):
    """Offline, the valid licence is revoked at the issuer; back online, the page fetches
    the new bundle by itself ('online' event) and, offline again, refuses the licence."""
    from tests.verify.conftest import replace_verify_services
    from verify.sources import InMemoryStatusSource

    page, _ = _visit_online(context, server)
    before = _cached_bundle(page)["bundle"]
    text = corpus.case("valid", "offline")
    context.set_offline(True)
    assert _submit(page, text).get_attribute("data-status") == "valid"
    replace_verify_services(corpus_app, status=InMemoryStatusSource(
        {STATUS_URI: _status_token(corpus, revoked=(IDX_REVOKED, IDX_VALID))}))
    context.set_offline(False)
    page.wait_for_function("""before => {
        const line = document.getElementById('offline-status');
        return line.dataset.state === 'ready' && line.dataset.signature !== before;
    }""", arg=before[-16:], timeout=30_000, polling=250)
    assert _cached_bundle(page)["bundle"] != before
    context.set_offline(True)
    box = _submit(page, text)
    assert box.get_attribute("data-status") == "revoked"
    assert "离线核验" in page.locator("#result dl.checked").inner_text()


def _status_token(corpus, revoked: tuple[int, ...]) -> str:
    lst = status_list.StatusList(1024, 2)
    for idx in revoked:
        lst.set(idx, status_list.INVALID)
    lst.set(IDX_SUSPENDED, status_list.SUSPENDED)
    return status_list.status_list_jwt(
        lst, uri=STATUS_URI, iat=corpus.now - 10, exp=corpus.now + 86400, ttl=300,
        private_key=corpus.active.private, alg="ES256", kid=corpus.active.kid)


def test_english_offline_page(browser, server, corpus):
    from tests.experience.pages import axe_violations, overflow

    context = browser.new_context(locale="en", viewport={"width": 360, "height": 740},
                                  bypass_csp=True)  # only to inject axe-core
    try:
        page, _ = _visit_online(context, server)
        _go_offline(context, page, server)
        assert "Ready to verify offline" in page.locator("#offline-status").inner_text()
        box = _submit(page, corpus.case("suspended", "offline"))
        assert box.get_attribute("data-status") == "suspended"
        assert "Suspended" in box.inner_text()
        assert "Offline:" in page.locator("#result dl.checked").inner_text()
        assert overflow(page) <= 0
        assert axe_violations(page) == []
    finally:
        context.close()


def test_worker_precaches_what_the_page_lists(context, server):
    """The worker alone (the page's own script kept from loading) keeps the page, its
    scripts and the bundle when it installs."""
    page = context.new_page()
    page.route("**/static/verify/offline.js", lambda route: route.abort())
    page.goto(server.url + "/verify")
    kept = page.evaluate("""async () => {
        await navigator.serviceWorker.register('/verify/offline-worker.js', {scope: '/verify'});
        await navigator.serviceWorker.ready;
        const cache = await caches.open('onegate-verify-v1');
        return (await cache.keys()).map(r => new URL(r.url).pathname + new URL(r.url).search);
    }""")
    assert {"/verify", "/static/verify/offline.js", "/static/verify/offline-formats.js",
            "/static/verify/vendor/jsQR.js",
            "/static/verify/verify.js", "/api/v1/offline-bundle?format=json"} <= set(kept)


def test_bundle_has_an_etag_and_answers_304(corpus_app):
    client = corpus_app.test_client()
    first = client.get("/api/v1/offline-bundle?format=json")
    etag = first.headers["ETag"]
    assert first.status_code == 200 and "max-age" in first.headers["Cache-Control"]
    again = client.get("/api/v1/offline-bundle?format=json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    token = client.get("/api/v1/offline-bundle")
    assert token.headers["ETag"] != etag  # another representation, another tag
    assert token.get_data(as_text=True) == first.get_json()["bundle"]


def test_worker_may_control_the_page(corpus_app):
    response = corpus_app.test_client().get("/verify/offline-worker.js")
    assert response.status_code == 200
    assert response.headers["Service-Worker-Allowed"] == "/verify"
    assert response.mimetype == "text/javascript"
    page = corpus_app.test_client().get("/verify").get_data(as_text=True)
    assert 'id="verify-offline"' in page and "offline.js" in page


def test_offline_verdict_shows_the_public_reason(context, corpus_app, corpus):
    """The bundle's public reasons (verify.bundle, version 1): offline, the revoked
    licence's verdict says why, as the online one does -- the label in the page's
    language, the same code as the CLI reads -- and the valid licence's stray entry
    shows nothing."""
    corpus_app.verify_services.status.reasons = {STATUS_URI: {
        "revoked_by_authority": [IDX_REVOKED], "ceased": [IDX_VALID]}}
    server = Server(corpus_app)
    try:
        page, errors = _visit_online(context, server)
        _go_offline(context, page, server)
        revoked = corpus.case("revoked", "offline")
        found = page.evaluate("t => OnegateOffline.verify(t)", revoked)
        assert found["status"] == "revoked"
        assert found["checked"]["status_reason"] == {
            "code": "revoked_by_authority", "label_zh": "被主管部门依法吊销",
            "label_en": "Revoked by the competent authority", "note": None}
        box = _submit(page, revoked)
        assert "被主管部门依法吊销" in box.locator(".verdict-why").inner_text()
        valid = page.evaluate("t => OnegateOffline.verify(t)", corpus.case("valid", "offline"))
        assert valid["status"] == "valid" and valid["checked"]["status_reason"] is None
        suspended = _submit(page, corpus.case("suspended", "offline"))
        assert suspended.locator(".verdict-why").count() == 0  # no reason given for it
        assert errors == []
    finally:
        server.stop()
