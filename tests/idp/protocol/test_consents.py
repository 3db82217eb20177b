"""A person sees and withdraws consents at /account/consents."""

from __future__ import annotations

import re

import pytest

from tests.idp.accounts.factories import csrf
from tests.idp.protocol.helpers import basic, exchange, register, signed_in_code
from tests.pages import visible_text


def test_see_and_withdraw_consent_revokes_refresh_tokens(app, client, unique):
    reg = register(app, unique)
    code, verifier, _ = signed_in_code(app, client, unique, reg, scope="openid identity")
    body = exchange(client, reg, code, verifier).json
    page = client.get("/account/consents")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f"Hall {unique}" in html
    assert 'data-scope="identity"' in html
    asked = client.post("/account/consents/withdraw",
                        data={"csrf_token": csrf(html), "client_id": reg["client_id"]})
    confirm = asked.get_data(as_text=True)
    # A confirmation first: nothing is withdrawn until the person says yes.
    assert asked.status_code == 200 and f"撤回对“Hall {unique}”的授权？" in confirm
    assert 'name="confirmed" value="yes"' in confirm
    assert f"Hall {unique}" in client.get("/account/consents").get_data(as_text=True)
    withdrawn = client.post("/account/consents/withdraw", data={
        "csrf_token": csrf(confirm), "client_id": reg["client_id"], "confirmed": "yes"})
    assert withdrawn.status_code == 303
    after = client.get("/account/consents").get_data(as_text=True)
    assert f"您已撤回对“Hall {unique}”的授权。" in after  # a message after
    assert f'<h2 id="c-1">Hall {unique}</h2>' not in after
    assert "您已撤回" not in client.get("/account/consents").get_data(as_text=True)  # once
    refreshed = client.post("/oauth/token", headers=basic(reg["client_id"], reg["secret"]),
                            data={"grant_type": "refresh_token",
                                  "refresh_token": body["refresh_token"]})
    assert refreshed.status_code == 400 and refreshed.json["error"] == "invalid_grant"


def test_consents_page_needs_a_session(client):
    response = client.get("/account/consents")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?")


def test_withdraw_needs_csrf(app, client, unique):
    reg = register(app, unique)
    signed_in_code(app, client, unique, reg)
    response = client.post("/account/consents/withdraw", data={"client_id": reg["client_id"]})
    assert response.status_code == 400


LICENCE_TYPE = "11100000000013338W009"  # not in the demo catalogue
READ_SCOPE = f"licenses:read:{LICENCE_TYPE}"


def _consent_page(client, reg: dict, scope: str, **extra):
    from tests.idp.protocol.helpers import auth_params, pkce

    verifier, challenge = pkce()
    params = auth_params(reg["client_id"], challenge, scope=scope, **extra)
    page = client.get("/oauth/authorize", query_string=params)
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    return params, verifier, page.get_data(as_text=True)


def test_department_with_a_licence_scope_completes_the_code_flow(app, client, unique):
    """A department reusing the holder's licences of one type: the consent page says so
    in words, and the access token carries the scope and the holder's ID number."""
    import jwt

    from tests.idp.protocol.helpers import login, make_person, query

    reg = register(app, unique, scopes=["openid", "identity", READ_SCOPE])
    person = make_person(app, unique)
    login(client, person["username"])
    params, verifier, html = _consent_page(client, reg, f"openid identity {READ_SCOPE}")
    assert f'data-scope="{READ_SCOPE}"' in html
    # The code alone, or the catalogue's name with the code when another test of the
    # same database registered the type (the live 代办 test does).
    assert re.search(rf'data-scope="{READ_SCOPE}">读取您的电子证照：(?:[^<(]+ \()?'
                     rf'{LICENCE_TYPE}\)?</li>', html), html
    allowed = client.post("/oauth/authorize",
                          data={**params, "csrf_token": csrf(html), "decision": "allow"})
    assert allowed.status_code == 302
    token = exchange(client, reg, query(allowed.headers["Location"])["code"], verifier).json
    claims = jwt.decode(token["access_token"], options={"verify_signature": False})
    assert READ_SCOPE in claims["scope"].split() and "identity" in claims["scope"].split()
    assert claims["cn_id_number"] == person["id_number"]
    listed = client.get("/account/consents").get_data(as_text=True)
    assert re.search(rf"读取您的电子证照：(?:[^<(]+ \()?{LICENCE_TYPE}", listed), listed


@pytest.fixture
def named_app(migrated, tmp_path, monkeypatch):
    """An app whose licence-type name hook (admin supplies it to idp) is ``app.names``."""
    import admin.app
    from tests.conftest import test_settings

    hook = {}
    monkeypatch.setattr(admin.app, "_licence_type_names",
                        lambda core: lambda code, locale: hook["lookup"](code, locale))
    application = admin.app.create_app(test_settings(migrated), instance_path=tmp_path)
    application.names = hook
    yield application
    application.services.engine.dispose()


def test_licence_scopes_in_english_and_with_the_catalogue_name(named_app, unique):
    from tests.idp.protocol.helpers import login, make_person

    app, client = named_app, named_app.test_client()
    issue = f"licenses:issue:{LICENCE_TYPE}"
    names = {(LICENCE_TYPE, "zh-CN"): "营业执照", (LICENCE_TYPE, "en"): "Business licence"}
    app.names["lookup"] = lambda code, locale: names.get((code, locale))
    reg = register(app, unique, scopes=["openid", "wallet", READ_SCOPE, issue])
    login(client, make_person(app, unique)["username"])
    _, _, html = _consent_page(client, reg, f"openid wallet {READ_SCOPE} {issue}")
    assert f"读取您的电子证照：营业执照 ({LICENCE_TYPE})" in html
    assert f"签发电子证照：营业执照 ({LICENCE_TYPE})" in html
    assert "您的电子证照钱包" in html
    _, _, html = _consent_page(client, reg, f"openid wallet {READ_SCOPE}", ui_locales="en")
    assert f"Read your electronic licences: Business licence ({LICENCE_TYPE})" in html
    assert "Your electronic licence wallet" in html

    def broken(code, locale):
        raise RuntimeError("catalogue down")

    app.names["lookup"] = broken
    _, _, html = _consent_page(client, reg, READ_SCOPE + " openid", ui_locales="zh-CN")
    # The code alone, or the catalogue's name with the code when another test of the
    # same database registered the type (the live 代办 test does).
    assert re.search(rf'data-scope="{READ_SCOPE}">读取您的电子证照：(?:[^<(]+ \()?'
                     rf'{LICENCE_TYPE}\)?</li>', html), html


def test_consent_grant_and_withdrawal_land_in_the_audit_trail(app, client, unique):
    from sqlalchemy import select

    from audit.models import AuditEntry

    reg = register(app, unique)
    signed_in_code(app, client, unique, reg, scope="openid identity")
    html = client.get("/account/consents").get_data(as_text=True)
    assert client.post("/account/consents/withdraw", data={
        "csrf_token": csrf(html), "client_id": reg["client_id"],
        "confirmed": "yes"}).status_code == 303
    with app.services.sessions() as session:
        rows = [r for r in session.scalars(select(AuditEntry).where(
            AuditEntry.action.in_(["consent.grant", "consent.withdraw"]))
            .order_by(AuditEntry.seq)) if r.data.get("client_id") == reg["client_id"]]
    assert [r.action for r in rows] == ["consent.grant", "consent.withdraw"]
    sub = rows[0].subject
    assert all(r.actor == f"person:{sub}" and r.subject == sub for r in rows)
    assert rows[0].data["scopes"] == rows[1].data["scopes"] == ["identity", "openid"]


def test_consents_page_names_the_hall_with_dates_never_its_client_id(app, client, unique):
    reg = register(app, unique)
    signed_in_code(app, client, unique, reg, scope="openid identity")
    html = client.get("/account/consents").get_data(as_text=True)
    text = visible_text(html)
    assert f"Hall {unique}" in text
    assert re.search(r"授权时间：\d{4}-\d{2}-\d{2} \d{2}:\d{2}", text)
    assert reg["client_id"] not in text
    # Headings in order: one h1, a h2 per hall, a h3 inside it.
    levels = [int(n) for n in re.findall(r"<h([1-6])", html)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    assert 'href="/account"' in html


def test_withdraw_refusals(app, client, unique):
    """No session: 403; an unknown client: 400; nothing granted: back to the list."""
    reg = register(app, unique)
    other = register(app, unique + "o")
    signed_in_code(app, client, unique, reg, scope="openid identity")
    token = csrf(client.get("/account/consents").get_data(as_text=True))
    unknown = client.post("/account/consents/withdraw", data={
        "csrf_token": token, "client_id": "no-such-hall", "confirmed": "yes"})
    assert unknown.status_code == 400
    never = client.post("/account/consents/withdraw", data={
        "csrf_token": token, "client_id": other["client_id"]})
    assert never.status_code == 303 and never.headers["Location"].endswith("/account/consents")
    anonymous = app.test_client()
    page = anonymous.get("/login")
    refused = anonymous.post("/account/consents/withdraw", data={
        "csrf_token": csrf(page.get_data(as_text=True)), "client_id": reg["client_id"],
        "confirmed": "yes"})
    assert refused.status_code == 403
    assert f"Hall {unique}" in client.get("/account/consents").get_data(as_text=True)
