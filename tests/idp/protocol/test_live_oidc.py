"""The whole OpenID Connect flow against a real `onegate serve`, driven by Authlib's
client, with ID tokens checked by an independent library (PyJWT) through /jwks and
Back-Channel Logout delivered to a real HTTP endpoint."""

from __future__ import annotations

import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from tests.idp.protocol.helpers import LOGOUT_TO, REDIRECT, make_person, query, register

pytestmark = pytest.mark.live
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


class Receiver:
    """A hall's back-channel logout endpoint on a loopback port."""

    def __init__(self):
        self.received: list[tuple[str, str]] = []
        self.cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                body = parse_qs(self.rfile.read(length).decode())
                with receiver.cond:
                    receiver.received.append((self.path, body["logout_token"][0]))
                    receiver.cond.notify_all()
                self.send_response(200)
                self.send_header("Cache-Control", "no-store")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, seconds: float = 20) -> list[tuple[str, str]]:
        deadline = time.monotonic() + seconds
        with self.cond:
            while len(self.received) < count and time.monotonic() < deadline:
                self.cond.wait(timeout=deadline - time.monotonic())
            return list(self.received)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _login(browser: requests.Session, base: str, login_location: str, username: str,
           password: str):
    page = browser.get(base + login_location, timeout=10)
    assert page.status_code == 200
    next_url = query(login_location)["next"]
    return browser.post(base + "/login", timeout=10, allow_redirects=False, data={
        "csrf_token": _csrf(page.text), "login": username, "password": password,
        "next": next_url})


def _rp(meta, reg, scope="openid profile email"):
    return OAuth2Session(reg["client_id"], reg["secret"], scope=scope, redirect_uri=REDIRECT,
                         code_challenge_method="S256",
                         token_endpoint_auth_method="client_secret_basic")


def _verify_id_token(jwks: jwt.PyJWKClient, token: str, meta: dict, client_id: str,
                     nonce: str) -> dict:
    key = jwks.get_signing_key_from_jwt(token)
    claims = jwt.decode(token, key.key, algorithms=["RS256", "ES256", "EdDSA"],
                        audience=client_id, issuer=meta["issuer"])
    assert claims["nonce"] == nonce
    for name in ("sub", "exp", "iat", "auth_time", "acr", "amr", "sid", "at_hash"):
        assert name in claims, name
    return claims


def test_code_flow_sso_refresh_revoke_and_backchannel_logout(app, live_server, receiver,
                                                             unique):
    from tests.idp.accounts.factories import PASSWORD

    base = live_server.url
    person = make_person(app, unique)
    hall1 = register(app, unique, trusted=True, backchannel_logout_uri=receiver.url + "/hall1")
    hall2 = register(app, unique + "b", trusted=True, id_token_alg="EdDSA",
                     backchannel_logout_uri=receiver.url + "/hall2")
    meta = requests.get(base + "/.well-known/openid-configuration", timeout=10).json()
    assert meta["issuer"] == base
    jwks = jwt.PyJWKClient(meta["jwks_uri"])
    browser = requests.Session()

    # 1. Hall 1: code flow with PKCE; the browser has no session, so it logs in.
    rp1 = _rp(meta, hall1)
    verifier, nonce = generate_token(48), secrets.token_hex(8)
    url, state = rp1.create_authorization_url(meta["authorization_endpoint"],
                                              code_verifier=verifier, nonce=nonce)
    to_login = browser.get(url, allow_redirects=False, timeout=10)
    assert to_login.status_code == 302 and to_login.headers["Location"].startswith("/login?")
    back = _login(browser, base, to_login.headers["Location"], person["username"], PASSWORD)
    assert back.status_code == 302
    callback = browser.get(base + back.headers["Location"], allow_redirects=False, timeout=10)
    location = callback.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    assert query(location)["iss"] == base and query(location)["state"] == state
    token = rp1.fetch_token(meta["token_endpoint"], authorization_response=location,
                            code_verifier=verifier)
    claims = _verify_id_token(jwks, token["id_token"], meta, hall1["client_id"], nonce)
    assert claims["sub"] == person["sub"] and claims["acr"] == "loa-1"
    assert jwt.get_unverified_header(token["access_token"])["typ"] == "at+jwt"

    # 2. UserInfo, GET and POST.
    info = rp1.get(meta["userinfo_endpoint"], timeout=10)
    assert info.status_code == 200 and info.json()["sub"] == person["sub"]
    posted = requests.post(meta["userinfo_endpoint"], timeout=10,
                           data={"access_token": token["access_token"]})
    assert posted.json()["email"] == f"p{unique}@example.cn"

    # 3. Refresh (rotated), introspect, revoke.
    old_refresh = token["refresh_token"]
    refreshed = rp1.refresh_token(meta["token_endpoint"])
    assert refreshed["refresh_token"] != old_refresh
    auth = (hall1["client_id"], hall1["secret"])
    active = requests.post(meta["introspection_endpoint"], auth=auth, timeout=10,
                           data={"token": refreshed["access_token"]}).json()
    assert active["active"] is True and active["sub"] == person["sub"]
    revoked = rp1.revoke_token(meta["revocation_endpoint"], token=refreshed["refresh_token"],
                               token_type_hint="refresh_token")
    assert revoked.status_code == 200
    for value in (refreshed["refresh_token"], refreshed["access_token"]):
        gone = requests.post(meta["introspection_endpoint"], auth=auth, timeout=10,
                             data={"token": value}).json()
        assert gone == {"active": False}

    # 4. Hall 2: single sign-on, no password prompt; EdDSA ID token.
    rp2 = _rp(meta, hall2, scope="openid profile")
    verifier2, nonce2 = generate_token(48), secrets.token_hex(8)
    url2, _ = rp2.create_authorization_url(meta["authorization_endpoint"],
                                           code_verifier=verifier2, nonce=nonce2)
    direct = browser.get(url2, allow_redirects=False, timeout=10)
    assert direct.headers["Location"].startswith(REDIRECT + "?code=")
    token2 = rp2.fetch_token(meta["token_endpoint"], authorization_response=direct.headers[
        "Location"], code_verifier=verifier2)
    claims2 = _verify_id_token(jwks, token2["id_token"], meta, hall2["client_id"], nonce2)
    assert jwt.get_unverified_header(token2["id_token"])["alg"] == "EdDSA"
    assert claims2["sid"] == claims["sid"] and claims2["sub"] == claims["sub"]

    # 5. RP-initiated logout from hall 1; both halls hear about it on the back channel.
    bye = browser.get(meta["end_session_endpoint"], allow_redirects=False, timeout=10, params={
        "id_token_hint": token["id_token"], "post_logout_redirect_uri": LOGOUT_TO,
        "state": "bye-1"})
    assert bye.status_code == 302 and bye.headers["Location"] == LOGOUT_TO + "?state=bye-1"
    deliveries = receiver.wait_for(2)
    assert sorted(path for path, _ in deliveries) == ["/hall1", "/hall2"]
    for path, logout_token in deliveries:
        client_id = hall1["client_id"] if path == "/hall1" else hall2["client_id"]
        header = jwt.get_unverified_header(logout_token)
        assert header["typ"] == "logout+jwt"
        key = jwks.get_signing_key_from_jwt(logout_token)
        lt = jwt.decode(logout_token, key.key, algorithms=["RS256", "ES256", "EdDSA"],
                        audience=client_id, issuer=base)
        assert lt["sid"] == claims["sid"] and lt["sub"] == person["sub"]
        assert lt["events"] == {BACKCHANNEL_EVENT: {}} and "nonce" not in lt
        assert lt["exp"] - lt["iat"] <= 120 and lt["jti"]

    # 6. The session is over: prompt=none now answers login_required.
    url3, state3 = rp2.create_authorization_url(meta["authorization_endpoint"],
                                                code_verifier=generate_token(48), prompt="none")
    after = browser.get(url3, allow_redirects=False, timeout=10)
    values = query(after.headers["Location"])
    assert values["error"] == "login_required" and values["state"] == state3
    assert values["iss"] == base
    assert urlsplit(after.headers["Location"]).netloc == "hall.example.cn"
