"""Interoperability with an independent, certified OpenID Connect client library in a
real browser: a hall's single-page app on oidc-client-ts (``tests/idp/browser_rp``),
served from another loopback origin, registered as a public client.

The app signs in with ``signinRedirect()`` (code flow, PKCE S256), the person logs in
and consents on our Chinese pages, ``signinRedirectCallback()`` exchanges the code
at our token endpoint from the browser (CORS) and loads userinfo, and
``signoutRedirect()`` (``id_token_hint``, ``post_logout_redirect_uri``, ``state``)
lands back on the app with the provider session ended.
"""

from __future__ import annotations

import json
import re

import pytest
import requests

from tests.idp.accounts.factories import PASSWORD, make_person
from tests.idp.protocol.helpers import register

pytestmark = [pytest.mark.live, pytest.mark.browser]


def _public_client(app, unique: str, rp, scopes: list[str], **kw) -> str:
    reg = register(app, unique, redirect_uris=[rp.redirect_uri, rp.popup_redirect_uri],
                   post_logout_redirect_uris=[rp.post_logout_uri], auth_method="none",
                   scopes=scopes, **kw)
    assert reg["secret"] is None
    return reg["client_id"]


def _verified_id_token(live_server, token: str, client_id: str) -> dict:
    """Check the ID token the library accepted against our JWKS, as any RP could."""
    from joserfc import jwt
    from joserfc.jwk import KeySet

    keys = KeySet.import_key_set(live_server.get("/jwks").json())
    decoded = jwt.decode(token, keys, algorithms=["RS256"])
    claims = decoded.claims
    jwt.JWTClaimsRegistry(iss={"essential": True, "value": live_server.url},
                          aud={"essential": True, "value": client_id},
                          exp={"essential": True}).validate(claims)
    return claims


def _log_in_on_our_pages(page, live_server, login: str, password: str = PASSWORD) -> None:
    from playwright.sync_api import expect

    expect(page).to_have_url(re.compile("^" + re.escape(live_server.url) + "/login"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.get_by_label("用户名、身份证号或手机号").fill(login)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def _watch(page) -> list[str]:
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("requestfailed", lambda r: problems.append(f"{r.url}: {r.failure}"))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    return problems


def test_oidc_client_ts_signs_in_and_out(app, live_server, browser, browser_rp, unique):
    from playwright.sync_api import expect

    client_id = _public_client(app, unique, browser_rp, ["openid", "profile"])
    browser_rp.configure(authority=live_server.url, client_id=client_id,
                         scope="openid profile")
    person = make_person(app, unique, display_name="王小红")
    page = browser.new_context(locale="zh-CN").new_page()
    problems = _watch(page)

    page.goto(browser_rp.origin + "/index.html")
    expect(page.locator("#status")).to_have_text("ready")
    page.locator("#login").click()
    _log_in_on_our_pages(page, live_server, person["username"])
    consent = page.get_by_role("heading", name=re.compile("请求使用您的统一身份认证账号"))
    expect(consent).to_be_visible()
    page.get_by_role("button", name="允许").click()

    expect(page).to_have_url(re.compile("^" + re.escape(browser_rp.redirect_uri)))
    expect(page.locator("#status")).to_have_text("signed-in", timeout=15_000), problems
    expect(page.locator("#error")).to_have_text("")
    expect(page.locator("#sub")).to_have_text(person["sub"])
    expect(page.locator("#name")).to_have_text("王小红")
    userinfo = json.loads(page.locator("#userinfo").text_content())
    assert userinfo["sub"] == person["sub"] and userinfo["name"] == "王小红"
    claims = _verified_id_token(live_server, page.locator("#id-token").text_content(), client_id)
    assert claims["sub"] == person["sub"]
    assert claims["acr"] == "loa-1" and claims["amr"] == ["pwd"]

    # Renewal: the library uses the refresh token (rotated) at the token endpoint.
    page.locator("#renew").click()
    expect(page.locator("#renewed")).to_have_text("renewed:" + person["sub"])

    stored = page.evaluate("() => Object.entries(sessionStorage)"
                           ".filter(([k]) => k.startsWith('oidc.user:'))[0][1]")
    refresh_token = json.loads(stored)["refresh_token"]
    page.locator("#logout").click()
    expect(page).to_have_url(re.compile("^" + re.escape(browser_rp.post_logout_uri)))
    expect(page.locator("#status")).to_have_text("signed-out")
    expect(page.locator("#error")).to_have_text("")
    # The library revoked its tokens from the browser before leaving (RFC 7009).
    refused = requests.post(live_server.url + "/oauth/token", timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id})
    assert refused.json()["error"] == "invalid_grant"
    # The provider session ended with it: the next sign-in asks for the password again.
    page.goto(browser_rp.origin + "/index.html")
    page.locator("#login").click()
    expect(page).to_have_url(re.compile("^" + re.escape(live_server.url) + "/login"))
    assert not problems, problems


def test_oidc_client_ts_signs_in_in_a_popup(app, live_server, browser, browser_rp, unique):
    """signinPopup(): our pages send Cross-Origin-Opener-Policy: same-origin, which cuts
    the popup off its opener; the library then reports back over BroadcastChannel."""
    from playwright.sync_api import expect

    client_id = _public_client(app, unique, browser_rp, ["openid", "profile"], trusted=True)
    browser_rp.configure(authority=live_server.url, client_id=client_id,
                         scope="openid profile")
    person = make_person(app, unique)
    page = browser.new_context(locale="zh-CN").new_page()
    problems = _watch(page)
    page.goto(browser_rp.origin + "/index.html")
    expect(page.locator("#status")).to_have_text("ready")
    with page.expect_popup() as opened:
        page.locator("#login-popup").click()
    popup = opened.value
    _log_in_on_our_pages(popup, live_server, person["id_number"])
    expect(page.locator("#status")).to_have_text("signed-in-by-popup", timeout=15_000)
    expect(page.locator("#sub")).to_have_text(person["sub"])
    expect(page.locator("#error")).to_have_text("")
    assert not problems, problems


def test_token_endpoint_answers_the_halls_origin_only(app, live_server, browser_rp, unique):
    """The preflight and the POST a browser sends to the token endpoint from the hall's
    origin get CORS headers; another origin gets none."""
    _public_client(app, unique, browser_rp, ["openid"])
    for origin, expected in ((browser_rp.origin, browser_rp.origin),
                             ("http://evil.example", None)):
        preflight = requests.options(live_server.url + "/oauth/token", timeout=10, headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        assert preflight.headers.get("Access-Control-Allow-Origin") == expected
        post = requests.post(live_server.url + "/oauth/token", timeout=10,
                             data={"grant_type": "authorization_code", "code": "x"},
                             headers={"Origin": origin})
        assert post.headers.get("Access-Control-Allow-Origin") == expected
        assert post.json()["error"] in {"invalid_client", "invalid_request", "invalid_grant"}
