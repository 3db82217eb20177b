"""Helpers of the 代办 tests: a village station with its station system (an OAuth
client registered for token exchange), clerks with loa-2 access tokens, the
station's requests, and token checks with an independent JWT library (pyjwt)."""

from __future__ import annotations

import json
import time
import uuid

import jwt

from idp import halls
from idp.clients import TOKEN_EXCHANGE
from idp.errors import UnknownHall
from idp.grants.token_exchange import SUBJECT_TOKEN_TYPE
from tests.admin.console.helpers import make_staff
from tests.idp.accounts.factories import csrf
from tests.idp.protocol.helpers import basic, register

ISSUER = "http://localhost"
ACCESS = "urn:ietf:params:oauth:token-type:access_token"
SCOPES = ["openid", "profile", "identity"]


def village(app, unique: str, name: str | None = None) -> str:
    """A village station (a hall of level village), registered once."""
    code = f"v-{unique}"
    with app.idp_services.work() as session:
        try:
            halls.get(session, code)
        except UnknownHall:
            halls.add(session, code, name or f"石门村服务站 {unique}", "village", "佛山市南海区")
    return code


def station(app, unique: str, hall: str, scopes: list[str] | None = None, **kw) -> dict:
    """The station's system: a confidential client of ``hall`` for token exchange."""
    return register(app, unique + "s" + uuid.uuid4().hex[:4], name=f"代办系统 {unique}",
                    redirect_uris=["https://station.example.cn/cb"],
                    grant_types=["authorization_code", TOKEN_EXCHANGE],
                    scopes=scopes or SCOPES, hall_code=hall, **kw)


def clerk(app, hall: str, name: str = "王五", role: str = "clerk") -> dict:
    return make_staff(app, [(role, hall)], name=name)


def token_for(app, staff: dict, reg: dict, *, acr: str | None = "loa-2",
              issuer: str = ISSUER, **extra) -> str:
    """The clerk's access token from the provider, as the station system received it
    at the clerk's login (RFC 9068 claims, signed with the provider's key): for the
    in-process tests and their variations (acr, client, expiry). The live test
    (test_live_daiban.py) has the clerk really sign in instead."""
    now = int(time.time())
    claims = {"iss": issuer, "aud": [issuer + "/api"], "sub": staff["sub"],
              "client_id": reg["client_id"], "scope": "openid profile",
              "jti": uuid.uuid4().hex, "iat": now, "exp": now + 300, "auth_time": now}
    if acr:
        claims["acr"] = acr
    claims.update(extra)
    with app.app_context():
        return app.services.keyring.sign_jwt("provider", "ES256", claims,
                                             headers={"typ": "at+jwt"})


def start(client, reg: dict, actor_token: str, *, method: str = "phone",
          matter: str = "申领居住证", scope: str = "openid identity", expires_in: int = 3600,
          **extra):
    return client.post("/oauth/mandates", headers=basic(reg["client_id"], reg["secret"]),
                       data={"actor_token": actor_token, "actor_token_type": ACCESS,
                             "method": method, "matter": matter, "scope": scope,
                             "expires_in": str(expires_in), **extra})


def exchange(client, reg: dict, reference: str, actor_token: str, **extra):
    return client.post("/oauth/token", headers=basic(reg["client_id"], reg["secret"]), data={
        "grant_type": TOKEN_EXCHANGE, "subject_token": reference,
        "subject_token_type": SUBJECT_TOKEN_TYPE, "actor_token": actor_token,
        "actor_token_type": ACCESS, **extra})


def answer(phone, user_code: str, decision: str):
    """The citizen opens the QR code's URL on their phone and answers."""
    page = phone.get("/mandate", query_string={"user_code": user_code})
    assert page.status_code == 200, page.get_data(as_text=True)[:400]
    return phone.post("/mandate", data={"csrf_token": csrf(page.get_data(as_text=True)),
                                        "user_code": user_code, "decision": decision})


def verified(client, token: str) -> dict:
    """The token's claims, checked with pyjwt against the provider's /jwks."""
    jwks = json.loads(client.get("/jwks").get_data(as_text=True))
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == kid)).key
    assert jwt.get_unverified_header(token)["typ"] == "at+jwt"
    return jwt.decode(token, key, algorithms=["ES256"], audience=ISSUER + "/api",
                      issuer=ISSUER)


def approved(app, client, phone, unique, setting, **kw) -> tuple[dict, dict]:
    """A station's request (``start``) that the citizen, signed in on ``phone``, allowed:
    (the request's answer, the citizen)."""
    from tests.idp.device.helpers import signed_in_phone

    started = start(client, setting["reg"], setting["token"], **kw)
    assert started.status_code == 200, started.get_data(as_text=True)
    body = started.get_json()
    citizen = signed_in_phone(app, phone, unique)
    assert answer(phone, body["user_code"], "allow").status_code == 200
    return body, citizen
