"""prompt=login, max_age and id_token_hint against a real `onegate serve`, driven by
Authlib's client, with ID tokens checked through /jwks by PyJWT."""

from __future__ import annotations

import secrets
import time

import jwt
import pytest
import requests
from authlib.common.security import generate_token

from tests.idp.accounts.factories import PASSWORD
from tests.idp.protocol.helpers import REDIRECT, make_person, query, register
from tests.idp.protocol.test_live_oidc import _login, _rp, _verify_id_token
from tests.idp.protocol.test_reauthentication import age_sessions, edit

pytestmark = pytest.mark.live


class Hall:
    """One hall's Authlib client and one browser, against the live provider."""

    def __init__(self, base: str, reg: dict):
        self.base, self.reg = base, reg
        self.meta = requests.get(base + "/.well-known/openid-configuration", timeout=10).json()
        self.jwks = jwt.PyJWKClient(self.meta["jwks_uri"])
        self.browser = requests.Session()

    def start(self, **params):
        """The authorization request; returns (provider's response, verifier, nonce, state)."""
        rp = _rp(self.meta, self.reg)
        verifier, nonce = generate_token(48), secrets.token_hex(8)
        url, state = rp.create_authorization_url(self.meta["authorization_endpoint"],
                                                 code_verifier=verifier, nonce=nonce, **params)
        response = self.browser.get(url, allow_redirects=False, timeout=10)
        return response, (rp, verifier, nonce, state)

    def get(self, path: str):
        return self.browser.get(self.base + path, allow_redirects=False, timeout=10)

    def finish(self, location: str, flow) -> dict:
        """Exchange the code at the hall's callback ``location``; the verified ID token."""
        rp, verifier, nonce, state = flow
        assert location.startswith(REDIRECT + "?") and query(location)["state"] == state
        token = rp.fetch_token(self.meta["token_endpoint"], authorization_response=location,
                               code_verifier=verifier)
        return {**_verify_id_token(self.jwks, token["id_token"], self.meta,
                                   self.reg["client_id"], nonce),
                "raw": token["id_token"]}

    def sign_in(self, person: dict, **params) -> dict:
        response, flow = self.start(**params)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?")
        back = _login(self.browser, self.base, response.headers["Location"], person["username"],
                      PASSWORD)
        assert back.status_code == 302
        return self.finish(self.get(back.headers["Location"]).headers["Location"], flow)


def test_prompt_login_and_max_age_are_enforced_by_the_provider(app, live_server, unique):
    person = make_person(app, unique)
    hall = Hall(live_server.url, register(app, unique, trusted=True))
    hall.sign_in(person)
    age_sessions(app, person)  # the session's login is now an hour old
    for params in ({"prompt": "login"}, {"max_age": "60"}):
        requested = int(time.time())
        response, flow = hall.start(**params)
        login_at = response.headers["Location"]
        assert login_at.startswith("/login?") and query(login_at)["force"] == "1"
        next_url = query(login_at)["next"]
        # The login page's next URL, replayed or edited, with the old cookie: no code.
        for attempt in (next_url, edit(next_url, ("prompt", "max_age"))):
            replay = hall.get(attempt)
            assert replay.headers["Location"].startswith("/login?"), replay.headers["Location"]
        unforced = hall.get("/login?" + requests.compat.urlencode({"next": next_url}))
        assert hall.get(unforced.headers["Location"]).headers["Location"].startswith("/login?")
        back = _login(hall.browser, hall.base, login_at, person["username"], PASSWORD)
        claims = hall.finish(hall.get(back.headers["Location"]).headers["Location"], flow)
        assert claims["sub"] == person["sub"]
        assert claims["auth_time"] >= requested
        age_sessions(app, person)


def test_id_token_hint_is_verified_and_compared(app, live_server, unique):
    person, other = make_person(app, unique), make_person(app, unique + "o")
    reg = register(app, unique, trusted=True)
    hall, elsewhere = Hall(live_server.url, reg), Hall(live_server.url, reg)
    mine = hall.sign_in(person)
    theirs = elsewhere.sign_in(other)

    # The session's own ID token as the hint, with prompt=none: a code for the person.
    response, flow = hall.start(prompt="none", id_token_hint=mine["raw"])
    assert hall.finish(response.headers["Location"], flow)["sub"] == person["sub"]

    # Not an ID token of ours: invalid_request at the hall, with its state.
    head, body, _ = mine["raw"].split(".")
    for hint in ("not-a-jwt", f"{head}.{body}.{'A' * 86}"):
        response, (_, _, _, state) = hall.start(id_token_hint=hint)
        values = query(response.headers["Location"])
        assert response.headers["Location"].startswith(REDIRECT + "?")
        assert values["error"] == "invalid_request" and values["state"] == state

    # Someone else's ID token: login_required with prompt=none, a fresh login otherwise.
    response, _ = hall.start(prompt="none", id_token_hint=theirs["raw"])
    assert query(response.headers["Location"])["error"] == "login_required"
    response, _ = hall.start(id_token_hint=theirs["raw"])
    assert response.headers["Location"].startswith("/login?")
    assert query(response.headers["Location"])["force"] == "1"
