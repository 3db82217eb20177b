"""Enterprises, people linked to them, and the "act for whom?" flow, for the
representation tests (in-process: the Flask test client against the real app)."""

from __future__ import annotations

import re
from datetime import timedelta

import jwt

from edge.timestamps import utcnow
from tests.idp.accounts.factories import csrf, uscc
from tests.idp.protocol.helpers import (
    REDIRECT,
    auth_params,
    basic,
    exchange,
    login,
    pkce,
    query,
    register,
)

SCOPE = "openid profile identity enterprise"
HALL_SCOPES = ["openid", "profile", "identity", "enterprise"]


def make_enterprise(app, unique: str, name: str = "广州岭南科技有限公司") -> dict:
    from idp import accounts
    from idp.accounts import NewAccount

    data = NewAccount(username=f"e{unique}", password="", display_name=name, uscc=uscc())
    with app.app_context(), app.services.sessions.begin() as session:
        account = accounts.create_enterprise(session, data)
        return {"id": account.id, "sub": account.sub, "uscc": account.uscc,
                "username": account.username}


def link(app, enterprise: dict, person: dict, role: str = "agent", *, matters=None,
         days: float | None = None, granted_by: str = "operator:test") -> int:
    """Link ``person`` to ``enterprise``; return the authorisation id."""
    from idp import representation
    from idp.models.accounts import Account

    until = utcnow() + timedelta(days=days) if days is not None else None
    with app.app_context(), app.services.sessions.begin() as session:
        row = representation.represent(
            session, session.get(Account, enterprise["id"]), session.get(Account, person["id"]),
            role=role, matters=matters, until=until, granted_by=granted_by)
        return row.id


def hall(app, unique: str, **kw) -> dict:
    return register(app, unique, scopes=HALL_SCOPES, trusted=True, id_token_alg="ES256", **kw)


def start(client, reg: dict, scope: str = SCOPE, **extra):
    """GET the authorization request; return (response, params, verifier)."""
    verifier, challenge = pkce()
    params = auth_params(reg["client_id"], challenge, scope=scope, **extra)
    return client.get("/oauth/authorize", query_string=params), params, verifier


def choose(client, page_html: str, params: dict, value: str):
    """Answer the chooser page with ``value`` (``self`` or an enterprise sub)."""
    return client.post("/oauth/authorize", data={**params, "csrf_token": csrf(page_html),
                                                 "acting_for": value})


def hidden_fields(html: str) -> list[tuple[str, str]]:
    from html import unescape

    return [(unescape(n), unescape(v)) for n, v in
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)]


def consented(client, response):
    """Allow on the consent page if ``response`` is one, posting back exactly its
    hidden fields (which carry the choice made before it)."""
    html = response.get_data(as_text=True)
    if response.status_code != 200 or 'name="decision"' not in html:
        return response
    from werkzeug.datastructures import MultiDict

    return client.post("/oauth/authorize",
                       data=MultiDict([*hidden_fields(html), ("decision", "allow")]))


def choices(html: str) -> list[str]:
    return re.findall(r'name="acting_for" value="([^"]+)"', html)


def tokens_for(client, reg: dict, person: dict, value: str, scope: str = SCOPE) -> dict:
    """Log ``person`` in, choose ``value``, exchange the code; return the token response."""
    assert login(client, person["username"]).status_code == 302
    page, params, verifier = start(client, reg, scope)
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    answer = consented(client, choose(client, page.get_data(as_text=True), params, value))
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    code = query(answer.headers["Location"])["code"]
    response = exchange(client, reg, code, verifier)
    assert response.status_code == 200, response.json
    return response.json


def verified(client, token: str, audience) -> dict:
    """Claims of ``token`` checked by pyjwt against the published JWKS."""
    keys = jwt.PyJWKSet.from_dict(client.get("/jwks").json)
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in keys.keys if k.key_id == kid)
    return jwt.decode(token, key.key, algorithms=["ES256", "RS256"], audience=audience,
                      issuer="http://localhost")


def refresh(client, reg: dict, refresh_token: str):
    return client.post("/oauth/token", data={"grant_type": "refresh_token",
                                             "refresh_token": refresh_token},
                       headers=basic(reg["client_id"], reg["secret"]))


__all__ = ["REDIRECT", "basic", "login", "query"]
