"""Helpers of the device grant tests: terminals, the phone's steps, token checks with
an independent JWT library (pyjwt) against the published JWKS."""

from __future__ import annotations

import re

import jwt

from idp.clients import DEVICE_CODE
from tests.idp.accounts.factories import csrf, make_person
from tests.idp.protocol.helpers import basic, login, register

USER_CODE = re.compile(r"^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$")
SCOPES = ["openid", "profile"]


def terminal_client(app, unique: str, *, public: bool = True, refresh: bool = True,
                    **kw) -> dict:
    """A registered terminal (public unless told), for the device code grant."""
    grants = [DEVICE_CODE] + (["refresh_token"] if refresh else [])
    values = {"name": f"南海区政务服务中心 自助机 {unique}", "redirect_uris": [],
              "post_logout_redirect_uris": [], "grant_types": grants, "scopes": SCOPES,
              "auth_method": "none" if public else "client_secret_basic"}
    values.update(kw)
    return register(app, unique, **values)


def credentials(reg: dict) -> tuple[dict, dict]:
    """(form fields, headers) that authenticate ``reg`` as it registered."""
    if reg.get("secret"):
        return {}, basic(reg["client_id"], reg["secret"])
    return {"client_id": reg["client_id"]}, {}


def start(terminal, reg: dict, **extra):
    form, headers = credentials(reg)
    return terminal.post("/oauth/device_authorization",
                         data={**form, "scope": " ".join(SCOPES), **extra}, headers=headers)


def poll(terminal, reg: dict, device_code: str):
    form, headers = credentials(reg)
    return terminal.post("/oauth/token", headers=headers, data={
        **form, "grant_type": DEVICE_CODE, "device_code": device_code})


def signed_in_phone(app, phone, unique: str, **person) -> dict:
    facts = make_person(app, unique, **person)
    assert login(phone, facts["username"]).status_code == 302
    return facts


def answer(phone, user_code: str, decision: str):
    """Open verification_uri_complete on the phone and press Allow or Deny."""
    page = phone.get("/device", query_string={"user_code": user_code})
    assert page.status_code == 200, page.get_data(as_text=True)[:400]
    return phone.post("/device", data={"csrf_token": csrf(page.get_data(as_text=True)),
                                       "user_code": user_code, "decision": decision})


def verified(client, token: str, *, audience: str, typ: str | None = None) -> dict:
    """``token``'s claims after pyjwt checked its signature with the published key of
    its kid, its issuer, audience and expiry (and ``typ`` when given)."""
    header = jwt.get_unverified_header(token)
    keys = {k["kid"]: k for k in client.get("/jwks").json["keys"]}
    key = jwt.PyJWK(keys[header["kid"]])
    if typ is not None:
        assert header["typ"] == typ
    return jwt.decode(token, key=key, algorithms=[header["alg"]], audience=audience,
                      issuer="http://localhost",
                      options={"require": ["iss", "aud", "exp", "iat", "sub"]})
