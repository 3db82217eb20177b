"""代办 live: a real ``onegate serve``, Debian's Chromium with two browser contexts --
the clerk's screen at the village station (1280 x 800) and the citizen's phone
(390 x 844) -- and tokens checked by pyjwt against /jwks.

The station system is plain HTTP here (as its own software would be), registered
with the README's ``onegate clients add`` command. The clerk really signs in at the
provider through the station system's authorization-code flow (PKCE S256, state,
nonce, ``acr_values=loa-2``; password and TOTP); the station exchanges the code,
checks the ID token (``acr`` ``loa-2``) and starts the request with THAT access
token, shows the QR code, polls the token endpoint (RFC 8693 token exchange) until
the citizen answered, and uses the token at the licence API. The citizen then sees
the use and the mandate, and ends it; an exchange for more scope than the citizen
agreed to is ``invalid_scope``. A clerk signed in at loa-1 only (password, no
second factor) is refused at ``POST /oauth/mandates`` with ``invalid_request``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import secrets
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from idp.clients import TOKEN_EXCHANGE
from idp.grants.token_exchange import SUBJECT_TOKEN_TYPE
from tests.admin.console.helpers import PASSWORD as STAFF_PASSWORD
from tests.admin.console.helpers import make_staff
from tests.experience.pages import axe_violations, overflow, widest
from tests.idp.accounts.factories import PASSWORD, make_person
from tests.idp.mandates.helpers import ACCESS, village
from tests.verify.corpus import FOOD_TYPE
from tests.verify.test_reuse import add_licence

pytestmark = [pytest.mark.live, pytest.mark.browser]

STATION_CB = "https://station.example.cn/cb"
PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "is_mobile": True,
         "has_touch": True, "bypass_csp": True}  # CSP bypassed only to inject axe-core
READ = "licenses:read:" + FOOD_TYPE


def _clerk_context(browser):
    """The clerk's browser at the station (1280 x 800). The station system's own
    pages are not under test: its callback is answered here, where the station's
    server would receive the code."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    context.route(STATION_CB + "*", lambda route: route.fulfill(
        status=200, content_type="text/html; charset=utf-8", body="<h1>代办系统</h1>"))
    return context


def _clerk_screen(context, qr: str, user_code: str):
    """The station's own screen: the provider's QR code and the code beside it."""
    page = context.new_page()
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


def _exchange(server, reg: dict, reference: str, actor: str, **extra):
    return requests.post(server.url + "/oauth/token", timeout=10,
                         auth=(reg["client_id"], reg["secret"]), data={
                             "grant_type": TOKEN_EXCHANGE, "subject_token": reference,
                             "subject_token_type": SUBJECT_TOKEN_TYPE, "actor_token": actor,
                             "actor_token_type": ACCESS, **extra})


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


def _catalogued(app, unique: str) -> None:
    """The licence type of READ in the catalogue (as in any deployment: ``onegate
    clients add`` accepts only scopes of catalogued types)."""
    from credentials import catalogue
    from tests.credentials.helpers import TEST_SCHEMA, make_department

    with app.app_context(), app.services.sessions() as session:
        if catalogue.get_type(session, FOOD_TYPE) is not None:
            return
    department = make_department(app, unique)
    with app.app_context(), app.services.sessions.begin() as session:
        catalogue.add_type(session, catalogue.TypeSpec(
            code=FOOD_TYPE, name_zh="食品经营许可证", name_en="Food business licence",
            departments=[department.code], holder_kind="person", validity_days=365,
            json_schema=TEST_SCHEMA, always_disclosed=["holder_name", "permit_number"]))


def _register_station(app, unique: str) -> dict:
    """The station system registered as README says: ``onegate clients add`` with the
    station's hall, the authorization-code grant (the clerk's login) and token
    exchange, and the scopes a clerk may ever be given."""
    from click.testing import CliRunner

    from admin.cli import cli

    _catalogued(app, unique)
    with app.app_context():
        result = CliRunner().invoke(cli, [
            "clients", "add", "--name", f"石门村服务站{unique} 代办系统",
            "--hall", f"v-{unique}", "--redirect-uri", STATION_CB,
            "--grant", "authorization_code", "--grant", "token_exchange",
            "--scope", "openid", "--scope", "identity", "--scope", READ,
            "--scope", "profile", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    return {"client_id": body["client_id"], "secret": body["client_secret"]}


def _station(app, unique, *, with_totp: bool = True):
    """The village station, its system and its clerk 王五 (password and, unless
    ``with_totp`` is false, an enrolled authenticator), given the ``clerk`` role at
    the station with ``onegate staff grant``."""
    from click.testing import CliRunner

    from admin.cli import cli

    hall = village(app, unique, name=f"石门村服务站{unique}")
    reg = _register_station(app, unique)
    wang = make_staff(app, [], name="王五", with_totp=with_totp)
    with app.app_context():
        granted = CliRunner().invoke(cli, ["staff", "grant", wang["username"], "clerk",
                                           "--hall", hall])
    assert granted.exit_code == 0, granted.output
    return reg, wang


def _clerk_logs_in(server, context, reg: dict, wang: dict, *, acr: str = "loa-2") -> str:
    """The clerk signs in at the provider through the station system (OIDC
    authorization-code flow, PKCE S256, state, nonce); the station exchanges the code
    at /oauth/token, checks the ID token with pyjwt against /jwks, and keeps the
    access token. ``acr="loa-1"``: the same clerk with the password only."""
    import jwt
    import pyotp
    from playwright.sync_api import expect

    meta = requests.get(server.url + "/.well-known/openid-configuration", timeout=10).json()
    verifier, state, nonce = (secrets.token_urlsafe(48), secrets.token_urlsafe(16),
                              secrets.token_urlsafe(16))
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()
                                         ).rstrip(b"=").decode()
    params = {"response_type": "code", "client_id": reg["client_id"],
              "redirect_uri": STATION_CB, "scope": "openid", "state": state,
              "nonce": nonce, "code_challenge": challenge, "code_challenge_method": "S256"}
    if acr == "loa-2":
        params["acr_values"] = "loa-2"
    page = context.new_page()
    page.goto(meta["authorization_endpoint"] + "?" + urlencode(params))
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("用户名、身份证号或手机号").fill(wang["username"])
    page.get_by_label("密码").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="登录").click()
    if acr == "loa-2":
        expect(page).to_have_url(re.compile(r"/login/totp$"))
        page.get_by_label("验证器应用中的 6 位验证码").fill(
            pyotp.TOTP(wang["totp_secret"]).now())
        page.get_by_role("button", name="验证").click()
    # A station system is not --trusted: the clerk's first login there asks consent.
    expect(page.get_by_role("heading", level=1)).to_contain_text("代办系统 请求使用")
    page.get_by_role("button", name="允许").click()
    expect(page).to_have_url(re.compile("^" + re.escape(STATION_CB) + r"\?"))
    answered = {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}
    page.close()
    assert answered["state"] == state and "code" in answered, answered

    tokens = requests.post(meta["token_endpoint"], timeout=10,
                           auth=(reg["client_id"], reg["secret"]), data={
                               "grant_type": "authorization_code", "code": answered["code"],
                               "redirect_uri": STATION_CB, "code_verifier": verifier})
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    key = jwt.PyJWKClient(meta["jwks_uri"]).get_signing_key_from_jwt(body["id_token"]).key
    claims = jwt.decode(body["id_token"], key, algorithms=["RS256"],
                        audience=reg["client_id"], issuer=meta["issuer"])
    assert claims["nonce"] == nonce and claims["sub"] == wang["sub"]
    assert claims["acr"] == acr
    assert claims["amr"] == (["pwd", "otp"] if acr == "loa-2" else ["pwd"])
    access = _verified(server, body["access_token"])
    assert access["sub"] == wang["sub"] and access["client_id"] == reg["client_id"]
    assert access["acr"] == acr
    return body["access_token"]


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
    reg, wang = _station(app, unique)
    clerk_context = _clerk_context(browser)
    actor = _clerk_logs_in(server, clerk_context, reg, wang)
    person = make_person(app, unique, display_name="李秀英")
    identifier = add_licence(app, person["id_number"], FOOD_TYPE, unique.upper() + "7")
    started = _start(server, reg, actor)

    screen = _clerk_screen(clerk_context, started["verification_uri_complete_qr"],
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
    # More than the citizen agreed to (profile: the station may have it, the citizen
    # was never asked for it): invalid_scope.
    wider = _exchange(server, reg, started["mandate_reference"], actor,
                      scope=f"openid identity {READ} profile")
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"

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
    reg, wang = _station(app, unique)
    clerk_context = _clerk_context(browser)
    actor = _clerk_logs_in(server, clerk_context, reg, wang)
    person = make_person(app, unique)
    started = _start(server, reg, actor, matter="申领居住证")
    screen = _clerk_screen(clerk_context, started["verification_uri_complete_qr"],
                           started["user_code"])
    phone = _phone_scans_and_logs_in(browser, _scanned(screen), person)
    phone.get_by_role("button", name="拒绝").click()
    expect(phone.get_by_role("heading", name="已拒绝")).to_be_visible()
    refused = _poll(server, reg, started, actor)
    assert refused.status_code == 400 and refused.json()["error"] == "access_denied"


def test_a_clerk_signed_in_at_loa1_only_is_refused_on_the_wire(app, live_server, browser,
                                                               unique):
    """The station's clerk with the password only (no authenticator enrolled yet, no
    ``acr_values=loa-2``): a real login at loa-1 through the station system, and
    POST /oauth/mandates answers 400 ``invalid_request`` (RFC 8693 section 2.2.2: an
    unacceptable actor token)."""
    server = live_server
    reg, wang = _station(app, unique, with_totp=False)
    weak = _clerk_logs_in(server, _clerk_context(browser), reg, wang, acr="loa-1")
    refused = requests.post(server.url + "/oauth/mandates", timeout=10,
                            auth=(reg["client_id"], reg["secret"]), data={
                                "actor_token": weak, "actor_token_type": ACCESS,
                                "method": "phone", "matter": "个体工商户变更登记",
                                "scope": f"openid identity {READ}", "expires_in": "7200"})
    assert refused.status_code == 400, refused.text
    assert refused.headers["Cache-Control"] == "no-store"
    assert refused.json()["error"] == "invalid_request"
    assert "loa-2" in refused.json()["error_description"]
