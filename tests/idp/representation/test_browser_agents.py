"""Live, in Chromium against ``onegate serve`` with two browser contexts (a legal
representative and an agent, each on a 390 px phone): the legal representative
authorises the agent on the account page, the agent logs in at a hall and chooses the
enterprise (the token, checked with pyjwt against the published JWKS, names the
enterprise and the agent with their matters), the legal representative ends it and
the agent is no longer offered the enterprise. Then the account page with its forms,
and the form shown again after a slip, fit 360 px and pass axe-core in both
languages, with no English left on the Chinese pages."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest
import requests

from edge.timestamps import utcnow
from idp.agent_grants import CHINA
from tests.experience.pages import axe_violations, overflow, widest
from tests.experience.test_languages import english_words
from tests.idp.accounts.factories import PASSWORD, make_person
from tests.idp.protocol.helpers import REDIRECT, register
from tests.idp.representation.helpers import link, make_enterprise

pytestmark = [pytest.mark.live, pytest.mark.browser]
PHONE = {"width": 390, "height": 844}


def _log_in(page, base: str, who: dict, next_url: str = "/account") -> None:
    page.goto(f"{base}/login?next={next_url}")
    page.locator("input[name=login]").fill(who["username"])
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()


def _hall_request(meta: dict, hall: dict):
    """The hall's authorization request: (url, rp, verifier)."""
    from authlib.common.security import generate_token
    from authlib.integrations.requests_client import OAuth2Session

    rp = OAuth2Session(hall["client_id"], hall["secret"], scope="openid profile enterprise",
                       redirect_uri=REDIRECT, code_challenge_method="S256")
    verifier = generate_token(48)
    url, _state = rp.create_authorization_url(meta["authorization_endpoint"],
                                              code_verifier=verifier,
                                              nonce=secrets.token_hex(8))
    return url, rp, verifier


def _claims(meta: dict, token: str, audience: str) -> dict:
    import jwt

    key = jwt.PyJWKClient(meta["jwks_uri"]).get_signing_key_from_jwt(token).key
    return jwt.decode(token, key, algorithms=["RS256", "ES256"], audience=audience,
                      issuer=meta["issuer"])


def test_legal_representative_authorises_the_agent_then_ends_it(app, live_server, browser,
                                                                  unique):
    from playwright.sync_api import expect

    boss = make_person(app, unique, display_name="李大明")
    agent = make_person(app, unique + "a", display_name="王小五")
    company = make_enterprise(app, unique, "岭南科技有限公司")
    link(app, company, boss, "legal")
    hall = register(app, unique, trusted=True, scopes=["openid", "profile", "enterprise"])
    meta = live_server.get("/.well-known/openid-configuration").json()
    base = live_server.url
    last_day = (utcnow().astimezone(CHINA).date() + timedelta(days=90)).isoformat()

    rep = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = rep.new_page()
    _log_in(page, base, boss)
    expect(page.get_by_role("heading", name="授权经办人")).to_be_visible()
    page.get_by_label("经办人的公民身份号码").fill(agent["id_number"])
    page.get_by_label("经办人姓名（与身份证一致）").fill("王小五")
    page.get_by_label("办税").check()
    page.get_by_label("出示和使用企业电子证照").check()
    page.get_by_label(re.compile("授权的最后一天")).fill(last_day)
    page.get_by_role("button", name="授权", exact=True).click()
    expect(page.locator("#representation-granted")).to_be_visible()
    given = page.locator("#given li")
    expect(given).to_have_count(1)
    expect(given.first).to_contain_text("王*五")
    expect(given.first).to_contain_text("办税")
    assert agent["id_number"] not in page.content()

    helper = browser.new_context(locale="zh-CN", viewport=PHONE)
    helper.route(REDIRECT + "*", lambda route: route.fulfill(status=200, body="hall"))
    url, rp, verifier = _hall_request(meta, hall)
    hall_page = helper.new_page()
    hall_page.goto(url)
    hall_page.get_by_label("用户名、身份证号或手机号").fill(agent["username"])
    hall_page.get_by_label("密码").fill(PASSWORD)
    hall_page.get_by_role("button", name="登录").click()
    expect(hall_page.get_by_role("heading", name=re.compile("以谁的身份办理"))).to_be_visible()
    hall_page.get_by_label(re.compile("岭南科技有限公司")).check()
    hall_page.get_by_role("button", name="继续").click()
    expect(hall_page).to_have_url(re.compile("^" + re.escape(REDIRECT) + r"\?"))
    token = rp.fetch_token(meta["token_endpoint"], authorization_response=hall_page.url,
                           code_verifier=verifier)
    claims = _claims(meta, token["id_token"], hall["client_id"])
    assert claims["sub"] == company["sub"]
    assert claims["act"] == {"sub": agent["sub"], "cn_representation": "agent",
                             "cn_matters": ["licences", "tax"]}

    page.get_by_role("button", name="终止此授权").click()
    expect(page.get_by_role("heading", name="终止授权？")).to_be_visible()
    expect(page.get_by_text("王*五 将不再代表")).to_be_visible()
    page.get_by_role("button", name="终止", exact=True).click()
    expect(page.locator("#representation-ended")).to_be_visible()

    refused = requests.post(meta["token_endpoint"], timeout=10, auth=(
        hall["client_id"], hall["secret"]), data={"grant_type": "refresh_token",
                                                  "refresh_token": token["refresh_token"]})
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    # Still signed in (the browser's cookies), the agent is no longer asked: the
    # request goes straight back to the hall, and they act for themselves.
    url, rp, verifier = _hall_request(meta, hall)
    again = helper.request.get(url, max_redirects=0)
    assert again.status == 302 and again.headers["location"].startswith(REDIRECT + "?")
    token = rp.fetch_token(meta["token_endpoint"], authorization_response=again.headers[
        "location"], code_verifier=verifier)
    claims = _claims(meta, token["id_token"], hall["client_id"])
    assert claims["sub"] == agent["sub"] and "act" not in claims
    rep.close()
    helper.close()


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_forms_fit_a_phone_and_pass_axe(app, live_server, browser, unique, locale):
    boss = make_person(app, unique, display_name="李大明")
    agent = make_person(app, unique + "a", display_name="王小五")
    for n, name in enumerate(("岭南科技有限公司", "小店")):
        company = make_enterprise(app, f"{unique}{n}", name)
        link(app, company, boss, "legal")
    link(app, company, agent, "agent", matters=["tax", "housing-fund"], days=30)
    context = browser.new_context(locale=locale, viewport={"width": 360, "height": 740},
                                  bypass_csp=True)  # to inject axe-core only
    page = context.new_page()
    _log_in(page, live_server.url, boss)
    page.wait_for_url(re.compile(r"/account"))
    page.locator("form.agent-grant").nth(1).wait_for()
    _fits_and_speaks(page, locale, data=(boss["username"], "李大明", "岭南科技有限公司",
                                         "小店", "王*五"))
    form = page.locator("form.agent-grant").first
    form.locator("input[name=id_number]").fill(agent["id_number"][:17] + "0"
                                               if agent["id_number"][17] != "0"
                                               else agent["id_number"][:17] + "1")
    form.locator("input[name=name]").fill("王小五")
    form.locator("button[type=submit]").click()
    page.locator("#form-error").wait_for()
    _fits_and_speaks(page, locale, data=("岭南科技有限公司", "小店", "王小五"))
    context.close()


def _fits_and_speaks(page, locale: str, data: tuple[str, ...]) -> None:
    page.wait_for_load_state("networkidle")
    assert overflow(page) <= 0, widest(page)
    assert axe_violations(page) == []
    text = page.evaluate("""() => {
      const copy = document.body.cloneNode(true);
      copy.querySelectorAll('.mono, nav.language').forEach(e => e.remove());
      return copy.innerText;
    }""")
    for item in data:
        text = text.replace(item, " ")
    if locale == "zh-CN":
        assert english_words(text) == [], (english_words(text), text)
    else:
        assert re.findall(r"[\u4e00-\u9fff]+", text) == [], text
