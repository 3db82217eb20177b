"""A person sees and withdraws consents at /account/consents."""

from __future__ import annotations

from tests.idp.accounts.factories import csrf
from tests.idp.protocol.helpers import basic, exchange, register, signed_in_code


def test_see_and_withdraw_consent_revokes_refresh_tokens(app, client, unique):
    reg = register(app, unique)
    code, verifier, _ = signed_in_code(app, client, unique, reg, scope="openid identity")
    body = exchange(client, reg, code, verifier).json
    page = client.get("/account/consents")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f"Hall {unique}" in html
    assert 'data-scope="identity"' in html
    withdrawn = client.post("/account/consents/withdraw",
                            data={"csrf_token": csrf(html), "client_id": reg["client_id"]})
    assert withdrawn.status_code == 303
    assert f"Hall {unique}" not in client.get("/account/consents").get_data(as_text=True)
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
