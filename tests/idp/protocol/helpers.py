"""Shared helpers of the protocol tests: clients, PKCE, login, authorize, tokens."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

from tests.idp.accounts.factories import PASSWORD, csrf, make_person  # noqa: F401

REDIRECT = "https://hall.example.cn/cb"
LOGOUT_TO = "https://hall.example.cn/bye"


def register(app, unique: str, **kw) -> dict:
    """A client row through the CLI's service function; returns id, secret, row facts."""
    from idp.clients_cli import NewClient, create
    from tests.idp.services import idp_services

    values = {"name": f"Hall {unique}", "redirect_uris": [REDIRECT],
              "post_logout_redirect_uris": [LOGOUT_TO],
              "scopes": ["openid", "profile", "email", "phone", "identity"]}
    values.update(kw)
    with app.app_context(), app.services.sessions.begin() as session:
        row, secret = create(session, NewClient(**values),
                             idp_services(app).client_secrets)
        return {"client_id": row.client_id, "secret": secret}


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def auth_params(client_id: str, challenge: str | None, **extra) -> dict:
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT,
              "scope": "openid profile", "state": "st-" + secrets.token_hex(4),
              "nonce": "n-" + secrets.token_hex(4)}
    if challenge:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    params.update(extra)
    return {k: v for k, v in params.items() if v is not None}


def query(location: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def login(client, username: str, password: str = PASSWORD, next_url: str = "/account"):
    page = client.get("/login", query_string={"next": next_url, "force": "1"})
    return client.post("/login", data={"csrf_token": csrf(page.get_data(as_text=True)),
                                       "login": username, "password": password,
                                       "next": next_url, "force": "1"})


def authorize(client, params: dict):
    """GET /oauth/authorize; allow on the consent page if one is shown."""
    response = client.get("/oauth/authorize", query_string=params)
    if response.status_code == 200 and 'name="decision"' in response.get_data(as_text=True):
        html = response.get_data(as_text=True)
        response = client.post("/oauth/authorize",
                               data={**params, "csrf_token": csrf(html), "decision": "allow"})
    return response


def basic(client_id: str, secret: str) -> dict:
    raw = f"{client_id}:{secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def exchange(client, reg: dict, code: str, verifier: str | None, **extra):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    if verifier:
        data["code_verifier"] = verifier
    data.update(extra)
    return client.post("/oauth/token", data=data, headers=basic(reg["client_id"], reg["secret"]))


def signed_in_code(app, client, unique: str, reg: dict, **params):
    """Log a new person in, run the authorization request; return (code, verifier, person)."""
    person = make_person(app, unique)
    assert login(client, person["username"]).status_code == 302
    verifier, challenge = pkce()
    response = authorize(client, auth_params(reg["client_id"], challenge, **params))
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    values = query(response.headers["Location"])
    assert "code" in values, values
    return values["code"], verifier, person
