"""A form posted without a valid CSRF token gets a readable page in the person's
language with a way back; pages with CSRF tokens or personal data are never cached."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from flask import Blueprint

from tests.idp.accounts.factories import csrf, make_person
from tests.idp.protocol.helpers import (
    LOGOUT_TO,
    auth_params,
    login,
    pkce,
    register,
    signed_in_code,
)

ZH_TITLE = "此页面已过期"
EN_TITLE = "This page has expired"


def _back(html: str) -> str:
    match = re.search(r'href="([^"]*)" id="try-again"', html)
    assert match and match.group(1), html[:2000]
    return match.group(1).replace("&amp;", "&")


def _expired(response, title=ZH_TITLE) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == 400, html[:500]
    assert response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-store"
    assert title in html and "CSRF" not in html and "Bad Request" not in html
    return _back(html)


def test_login_without_csrf_token_keeps_a_safe_next(app, client, unique):
    person = make_person(app, unique)
    next_url = "/oauth/authorize?client_id=c&x=1"
    response = client.post("/login", data={"login": person["username"], "password": "x",
                                           "next": next_url, "acr": "loa-2", "force": "1"})
    back = urlsplit(_expired(response))
    assert back.path == "/login"
    assert parse_qs(back.query) == {"next": [next_url], "acr": ["loa-2"], "force": ["1"]}
    again = client.get(back.path + "?" + back.query)
    assert again.status_code == 200 and 'name="csrf_token"' in again.get_data(as_text=True)
    for unsafe in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = client.post("/login", data={"login": "a", "password": "b",
                                               "next": unsafe})
        assert _expired(response) == "/login", unsafe


def test_english_on_request(app, client, unique):
    response = client.post("/login", data={"login": "a"},
                           headers={"Accept-Language": "en-GB,en;q=0.9"})
    html = response.get_data(as_text=True)
    assert _expired(response, EN_TITLE) == "/login" and 'lang="en"' in html
    response = client.post("/login?ui_locales=en", data={"login": "a"})
    assert _expired(response, EN_TITLE) == "/login"
    # (ui_locales is kept in the session for the rest of the flow: a new browser)
    response = app.test_client().post("/login", data={"login": "a"},
                                      headers={"Accept-Language": "zh-CN"})
    html = response.get_data(as_text=True)
    assert _expired(response) == "/login" and 'lang="zh-CN"' in html


def test_totp_and_account_forms(app, client, unique):
    person = make_person(app, unique, with_totp=True)
    assert login(client, person["username"]).headers["Location"] == "/login/totp"
    assert _expired(client.post("/login/totp", data={"code": "123456"})) == "/login/totp"
    assert _expired(client.post("/account/sessions/end", data={"sid": "x"})) == "/account"
    assert _expired(client.post("/account/recovery-codes")) == "/account"
    enrol = _expired(client.post("/account/totp/enrol", data={"code": "1", "next": "/x"}))
    assert enrol == "/account/totp/enrol?next=/x"
    withdraw = client.post("/account/consents/withdraw", data={"client_id": "c"})
    assert _expired(withdraw) == "/account/consents"


def test_consent_and_logout_forms_ask_again_with_a_notice(app, client, unique):
    reg = register(app, unique)
    person = make_person(app, unique)
    login(client, person["username"])
    _, challenge = pkce()
    params = auth_params(reg["client_id"], challenge)
    stale = client.post("/oauth/authorize", data={**params, "decision": "allow",
                                                  "csrf_token": "stale"},
                        headers={"Accept-Language": "en"})
    html = stale.get_data(as_text=True)
    assert stale.status_code == 200 and 'name="decision"' in html
    assert "This page had expired, so nothing was shared." in html
    assert stale.headers["Cache-Control"] == "no-store"
    page = client.get("/oauth/logout", query_string={
        "client_id": reg["client_id"], "post_logout_redirect_uri": LOGOUT_TO})
    assert page.status_code == 200 and "此页面已过期" not in page.get_data(as_text=True)
    stale = client.post("/oauth/logout", data={"client_id": reg["client_id"],
                                               "post_logout_redirect_uri": LOGOUT_TO,
                                               "confirm": "1", "csrf_token": "stale"})
    html = stale.get_data(as_text=True)
    assert stale.status_code == 200 and "此页面已过期，您仍处于登录状态。" in html
    assert stale.headers["Cache-Control"] == "no-store"
    assert client.get("/account").status_code == 200  # still signed in


def test_other_packages_and_json_paths_keep_their_handlers(app, client):
    """The CSRF page is registered on the provider's blueprints only."""
    probe = Blueprint("csrf_probe", __name__)
    probe.add_url_rule("/api/csrf-probe", "probe", lambda: "ok", methods=["POST"])
    probe.add_url_rule("/csrf-probe", "page", lambda: "ok", methods=["POST"])
    app.register_blueprint(probe)
    api = client.post("/api/csrf-probe", data={})
    assert api.status_code == 400 and api.mimetype == "application/problem+json"
    page = client.post("/csrf-probe", data={})
    assert page.status_code == 400 and ZH_TITLE not in page.get_data(as_text=True)
    token = client.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert token.status_code == 401 and token.json["error"] == "invalid_client"


def test_pages_with_tokens_or_personal_data_are_not_cached(app, client, unique):
    reg = register(app, unique)
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    person = make_person(app, unique + "t", with_totp=True)
    login(client, person["username"])
    assert client.get("/login/totp").headers["Cache-Control"] == "no-store"
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = client.environ_base.get("REMOTE_ADDR", "10.9.9.9")
    signed_in_code(app, other, unique, register(app, unique + "x", trusted=True))
    for path in ("/account", "/account/consents", "/account/totp/enrol"):
        response = other.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    _, challenge = pkce()
    consent = other.get("/oauth/authorize", query_string=auth_params(reg["client_id"],
                                                                     challenge))
    assert consent.status_code == 200 and 'name="decision"' in consent.get_data(as_text=True)
    assert consent.headers["Cache-Control"] == "no-store"
    assert csrf(consent.get_data(as_text=True))
