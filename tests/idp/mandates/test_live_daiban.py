"""代办 live: a real ``onegate serve``, Debian's Chromium with two browser contexts --
the clerk's screen at the village station (showing the QR code the provider made) and
the citizen's phone (390 x 844) -- and tokens checked by pyjwt against /jwks.

The station system is plain HTTP here (as its own software would be): it starts the
request with the clerk's loa-2 token, shows the QR code, polls the token endpoint
(RFC 8693 token exchange) until the citizen answered, and uses the token at the
licence API. The citizen then sees the use and the mandate, and ends it.
"""

from __future__ import annotations

import io
import re
import time

import pytest
import requests

from idp.clients import TOKEN_EXCHANGE
from idp.grants.token_exchange import SUBJECT_TOKEN_TYPE
from tests.experience.pages import axe_violations, overflow, widest
from tests.idp.accounts.factories import PASSWORD, make_person
from tests.idp.mandates.helpers import ACCESS, clerk, station, token_for, village
from tests.verify.corpus import FOOD_TYPE
from tests.verify.test_reuse import add_licence

pytestmark = [pytest.mark.live, pytest.mark.browser]

PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "is_mobile": True,
         "has_touch": True, "bypass_csp": True}  # CSP bypassed only to inject axe-core
READ = "licenses:read:" + FOOD_TYPE


def _clerk_screen(browser, qr: str, user_code: str):
    """The station's own screen: the provider's QR code and the code beside it."""
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800}
                               ).new_page()
    page.set_content(f'<main><h1>请群众扫码授权</h1><p class="qr"><img alt="二维码" src="{qr}" '
                     f'width="280" height="280"></p><p id="code">{user_code}</p></main>')
    return page


def _scanned(page) -> str:
    import zxingcpp
    from PIL import Image

    png = page.locator(".qr img").screenshot()
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"),
                                     formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(results) == 1, "no QR code on the clerk's screen"
    return results[0].text


def _phone_scans_and_logs_in(browser, url: str, person: dict):
    from playwright.sync_api import expect

    phone = browser.new_context(**PHONE).new_page()
    phone.goto(url)
    expect(phone).to_have_url(re.compile(r"/login"))
    phone.get_by_label("用户名、身份证号或手机号").fill(person["username"])
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    expect(phone.get_by_role("heading", name="同意工作人员为您代办？")).to_be_visible()
    return phone


def _fits_and_passes_axe(page) -> None:
    """At 390 px and on the narrowest phones (360 px): no sideways scrolling, and
    axe-core finds no accessibility violation."""
    for width in (390, 360):
        page.set_viewport_size({"width": width, "height": 740})
        assert overflow(page) <= 0, f"too wide at {width}px: {widest(page)}"
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 390, "height": 844})


def _exchange(server, reg: dict, reference: str, actor: str):
    return requests.post(server.url + "/oauth/token", timeout=10,
                         auth=(reg["client_id"], reg["secret"]), data={
                             "grant_type": TOKEN_EXCHANGE, "subject_token": reference,
                             "subject_token_type": SUBJECT_TOKEN_TYPE, "actor_token": actor,
                             "actor_token_type": ACCESS})


def _poll(server, reg: dict, started: dict, actor: str) -> requests.Response:
    """The station's loop: every ``interval`` seconds until the citizen answered."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        answer = _exchange(server, reg, started["mandate_reference"], actor)
        if answer.status_code == 200 or answer.json()["error"] != "authorization_pending":
            return answer
        time.sleep(started["interval"])  # the protocol's polling interval
    pytest.fail("the citizen's answer never reached the station")


def _verified(server, token: str) -> dict:
    import jwt

    meta = requests.get(server.url + "/.well-known/openid-configuration", timeout=10).json()
    key = jwt.PyJWKClient(meta["jwks_uri"]).get_signing_key_from_jwt(token).key
    assert jwt.get_unverified_header(token)["typ"] == "at+jwt"
    return jwt.decode(token, key, algorithms=["ES256"], audience=meta["issuer"] + "/api",
                      issuer=meta["issuer"])


def _station(app, server, unique):
    hall = village(app, unique, name=f"石门村服务站{unique}")
    reg = station(app, unique, hall, scopes=["openid", "identity", READ])
    wang = clerk(app, hall)
    return reg, wang, token_for(app, wang, reg, issuer=server.url)


def _start(server, reg, actor, matter="个体工商户变更登记"):
    answer = requests.post(server.url + "/oauth/mandates", timeout=10,
                           auth=(reg["client_id"], reg["secret"]), data={
                               "actor_token": actor, "actor_token_type": ACCESS,
                               "method": "phone", "matter": matter,
                               "scope": f"openid identity {READ}", "expires_in": "7200"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_citizen_approves_on_the_phone_clerk_acts_citizen_sees_and_ends(
        app, migrated, live_server, browser, unique, tmp_path):
    from playwright.sync_api import expect

    from tests.credentials.helpers import register_wallet

    server = live_server
    register_wallet(migrated, server.url, tmp_path)
    reg, wang, actor = _station(app, server, unique)
    person = make_person(app, unique, display_name="李秀英")
    identifier = add_licence(app, person["id_number"], FOOD_TYPE, unique.upper() + "7")
    started = _start(server, reg, actor)

    screen = _clerk_screen(browser, started["verification_uri_complete_qr"],
                           started["user_code"])
    url = _scanned(screen)
    assert url == started["verification_uri_complete"]
    assert url.startswith(server.url + "/mandate?user_code=")

    phone = _phone_scans_and_logs_in(browser, url, person)
    expect(phone.locator('[data-field="clerk"]')).to_have_text("王五")
    expect(phone.locator('[data-field="station"]')).to_have_text(f"石门村服务站{unique}")
    expect(phone.locator('[data-field="matter"]')).to_have_text("个体工商户变更登记")
    expect(phone.locator('[data-field="duration"]')).to_have_text("2 小时")
    expect(phone.locator('[data-field="user_code"]')).to_have_text(started["user_code"])
    _fits_and_passes_axe(phone)
    phone.get_by_role("button", name="允许").click()
    expect(phone.get_by_role("heading", name="已允许")).to_be_visible()
    _fits_and_passes_axe(phone)

    issued = _poll(server, reg, started, actor)
    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert body["issued_token_type"] == ACCESS and "refresh_token" not in body
    claims = _verified(server, body["access_token"])
    assert claims["sub"] == person["sub"] and claims["act"]["sub"] == wang["sub"]
    assert claims["act"]["cn_station"] == f"石门村服务站{unique}"
    assert claims["cn_mandate"]["method"] == "phone"
    assert claims["exp"] - claims["iat"] <= 900

    got = requests.get(server.url + "/api/v1/holder/licenses", timeout=10,
                       params={"purpose": "个体工商户变更登记"},
                       headers={"Authorization": "Bearer " + body["access_token"]})
    assert got.status_code == 200 and got.json()["licenses"][0]["identifier"] == identifier

    # The citizen's wallet (signed in silently: one login) lists the use as 代办.
    phone.goto(server.url + "/wallet")
    uses = phone.get_by_role("region", name="谁使用了我的证照")
    use = uses.get_by_role("listitem").filter(has_text="个体工商户变更登记")
    expect(use).to_have_count(1)
    expect(use).to_contain_text(f"（由 石门村服务站{unique} 王五 代办）")
    expect(use).not_to_contain_text("部门自述")

    phone.goto(server.url + "/account")
    mandate = phone.locator(f'[data-mandate="{claims["cn_mandate"]["id"]}"]')
    expect(mandate.locator(".mandate-who")).to_have_text("王五")
    expect(mandate.locator(".mandate-method")).to_have_attribute("data-method", "phone")
    _fits_and_passes_axe(phone)
    mandate.get_by_role("button", name="立即终止").click()
    expect(phone.locator("#mandate-ended")).to_be_visible()
    expect(phone.locator("[data-mandate]")).to_have_count(0)

    refused = _exchange(server, reg, started["mandate_reference"], actor)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_request"
    denied = requests.get(server.url + "/api/v1/holder/licenses", timeout=10,
                          params={"purpose": "再次查询"},
                          headers={"Authorization": "Bearer " + body["access_token"]})
    assert denied.status_code == 401


def test_citizen_denies_on_the_phone(app, live_server, browser, unique):
    from playwright.sync_api import expect

    server = live_server
    reg, _, actor = _station(app, server, unique)
    person = make_person(app, unique)
    started = _start(server, reg, actor, matter="申领居住证")
    screen = _clerk_screen(browser, started["verification_uri_complete_qr"],
                           started["user_code"])
    phone = _phone_scans_and_logs_in(browser, _scanned(screen), person)
    phone.get_by_role("button", name="拒绝").click()
    expect(phone.get_by_role("heading", name="已拒绝")).to_be_visible()
    refused = _poll(server, reg, started, actor)
    assert refused.status_code == 400 and refused.json()["error"] == "access_denied"
