"""Live, in Chromium on a 360 px phone through the Chinese pages of ``onegate serve``:
a legal representative signs in at a hall, chooses the enterprise, the hall's
tokens (checked with pyjwt against the published JWKS) name the enterprise as sub
and the person in act; then the person ends the authorisation on the account page
and the hall's refresh token is refused. Then the negatives: an agent whose
authorisation was withdrawn or expired, and a person never authorised, act only as
themselves."""

from __future__ import annotations

import re
import secrets
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from tests.idp.accounts.factories import PASSWORD, make_person
from tests.idp.protocol.helpers import REDIRECT
from tests.idp.representation.helpers import link, make_enterprise

pytestmark = [pytest.mark.live, pytest.mark.browser]


def test_representative_chooses_the_enterprise_then_ends_it(app, live_server, browser, unique):
    import jwt
    from authlib.common.security import generate_token
    from authlib.integrations.requests_client import OAuth2Session
    from playwright.sync_api import expect

    from tests.idp.protocol.helpers import register

    person = make_person(app, unique, display_name="张三")
    enterprise = make_enterprise(app, unique, "岭南科技有限公司")
    link(app, enterprise, person, "legal")
    hall = register(app, unique, trusted=True,
                    scopes=["openid", "profile", "enterprise"])
    meta = live_server.get("/.well-known/openid-configuration").json()
    rp = OAuth2Session(hall["client_id"], hall["secret"], scope="openid profile enterprise",
                       redirect_uri=REDIRECT, code_challenge_method="S256")
    verifier, nonce = generate_token(48), secrets.token_hex(8)
    url, _state = rp.create_authorization_url(meta["authorization_endpoint"],
                                              code_verifier=verifier, nonce=nonce)
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    context.route(REDIRECT + "*", lambda route: route.fulfill(status=200, body="hall"))
    page = context.new_page()
    page.goto(url)
    page.get_by_label("用户名、身份证号或手机号").fill(person["username"])
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("以谁的身份办理"))).to_be_visible()
    page.get_by_label(re.compile("岭南科技有限公司")).check()
    page.get_by_role("button", name="继续").click()
    expect(page).to_have_url(re.compile("^" + re.escape(REDIRECT) + r"\?"))
    token = rp.fetch_token(meta["token_endpoint"], authorization_response=page.url,
                           code_verifier=verifier)
    jwks = jwt.PyJWKClient(meta["jwks_uri"])
    claims = jwt.decode(token["id_token"], jwks.get_signing_key_from_jwt(token["id_token"]).key,
                        algorithms=["RS256"], audience=hall["client_id"],
                        issuer=meta["issuer"])
    assert claims["sub"] == enterprise["sub"] and claims["nonce"] == nonce
    assert claims["act"] == {"sub": person["sub"], "cn_representation": "legal_representative"}
    access = jwt.decode(token["access_token"],
                        jwks.get_signing_key_from_jwt(token["access_token"]).key,
                        algorithms=["ES256"], audience=meta["issuer"] + "/api")
    assert access["sub"] == enterprise["sub"] and access["cn_uscc"] == enterprise["uscc"]

    page.goto(live_server.url + "/account")
    expect(page.get_by_role("heading", name="您代表的企业")).to_be_visible()
    page.get_by_role("button", name="不再代表该企业").click()
    expect(page.get_by_role("heading", name="终止授权？")).to_be_visible()
    page.get_by_role("button", name="终止", exact=True).click()
    expect(page.locator("#representation-ended")).to_be_visible()
    refused = requests.post(meta["token_endpoint"], timeout=10, auth=(
        hall["client_id"], hall["secret"]), data={"grant_type": "refresh_token",
                                                  "refresh_token": token["refresh_token"]})
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    context.close()


@pytest.mark.parametrize("case", ["withdrawn", "expired", "never authorised"])
def test_an_unauthorised_agent_acts_only_as_themselves(app, live_server, browser, unique,
                                                       case):
    """Negatives live: an agent whose authorisation was withdrawn or has expired, and a
    person never authorised, sign in at a hall asking for the enterprise scope. No
    chooser is shown; the hall's tokens (pyjwt against the JWKS) name the person, with
    no act and no cn_uscc; and the enterprise chosen by a hand-made form post from
    the same browser is refused (403, no code)."""
    import jwt
    from authlib.common.security import generate_token
    from authlib.integrations.requests_client import OAuth2Session
    from playwright.sync_api import expect

    from tests.idp.protocol.helpers import register
    from tests.idp.representation.test_acting_for import _expire, _withdraw

    person = make_person(app, unique, display_name="李四")
    enterprise = make_enterprise(app, unique, "岭南科技有限公司")
    if case == "never authorised":
        link(app, enterprise, make_person(app, unique + "o"), "agent")
    else:
        authorisation = link(app, enterprise, person, "agent", days=30)
        if case == "withdrawn":
            _withdraw(app, authorisation)
        else:
            _expire(app, enterprise, person)
    hall = register(app, unique, trusted=True, scopes=["openid", "profile", "enterprise"])
    meta = live_server.get("/.well-known/openid-configuration").json()
    rp = OAuth2Session(hall["client_id"], hall["secret"], scope="openid profile enterprise",
                       redirect_uri=REDIRECT, code_challenge_method="S256")
    verifier, nonce = generate_token(48), secrets.token_hex(8)
    url, _state = rp.create_authorization_url(meta["authorization_endpoint"],
                                              code_verifier=verifier, nonce=nonce)
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    context.route(REDIRECT + "*", lambda route: route.fulfill(status=200, body="hall"))
    page = context.new_page()
    page.goto(url)
    page.get_by_label("用户名、身份证号或手机号").fill(person["username"])
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    # Straight back to the hall: no "act for whom" question.
    expect(page).to_have_url(re.compile("^" + re.escape(REDIRECT) + r"\?"))
    token = rp.fetch_token(meta["token_endpoint"], authorization_response=page.url,
                           code_verifier=verifier)
    jwks = jwt.PyJWKClient(meta["jwks_uri"])
    for value, audience, algorithm in ((token["id_token"], hall["client_id"], "RS256"),
                                       (token["access_token"], meta["issuer"] + "/api",
                                        "ES256")):
        claims = jwt.decode(value, jwks.get_signing_key_from_jwt(value).key,
                            algorithms=[algorithm], audience=audience, issuer=meta["issuer"])
        assert claims["sub"] == person["sub"]
        assert "act" not in claims and "cn_uscc" not in claims

    params = dict(parse_qsl(urlsplit(rp.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=generate_token(48),
        nonce="n-" + unique)[0]).query))
    page.goto(live_server.url + "/account")
    csrf_token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    forged = page.request.post(meta["authorization_endpoint"], max_redirects=0, form={
        **params, "csrf_token": csrf_token, "acting_for": enterprise["sub"]})
    assert forged.status == 403, forged.headers.get("location")
    assert "location" not in forged.headers
    context.close()
