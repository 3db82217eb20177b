"""Malformed and hostile requests get the RFC's wire errors, never HTTP 500.

Client authentication (RFC 6749 sections 2.3.1 and 5.2), repeated and missing
parameters (sections 3.1, 3.2, 4.1.2.1, 5.2), introspection and revocation hints
(RFC 7662 section 2.1, RFC 7009 section 2.1) and bearer challenges (RFC 6750
section 3.1).
"""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.idp.protocol.helpers import (
    REDIRECT,
    auth_params,
    basic,
    exchange,
    pkce,
    query,
    register,
    signed_in_code,
)

ENDPOINTS = ("/oauth/token", "/oauth/introspect", "/oauth/revoke")
FORM = "application/x-www-form-urlencoded"
#: RFC 6749 section 5.2: error_description characters.
ALLOWED = {chr(c) for c in range(0x20, 0x7F)} - {'"', "\\"}


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _body(endpoint: str) -> dict:
    if endpoint == "/oauth/token":
        return {"grant_type": "client_credentials"}
    return {"token": "whatever"}


def _assert_basic_401(response):
    assert response.status_code == 401, (response.status_code, response.get_data(as_text=True))
    assert response.json["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic ")
    assert set(response.json.get("error_description", "")) <= ALLOWED


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_malformed_basic_credentials_are_401_invalid_client(app, client, unique, endpoint):
    reg = register(app, unique, grant_types=["client_credentials"], scopes=["openid"])
    cid = reg["client_id"]
    values = [
        "Basic " + _b64(b"\xff\xfe:\xc3\x28"),           # not UTF-8 (was HTTP 500)
        "Basic " + _b64(cid.encode() + b":\xff"),          # secret not UTF-8
        "Basic !!!not-base64!!!",
        "Basic " + _b64(b"no-colon-here"),
        "Basic " + _b64(f"{cid}:".encode()),               # empty secret
        "Basic " + _b64(b":secret"),                       # empty client_id
        "Basic " + _b64(b"%ff%fe:%c3%28"),                 # percent-decodes to non-UTF-8
        "Basic " + _b64(f"{cid}:wrong".encode()),
        "Basic",
        "Basic    ",
        "basic " + _b64(b"\x00\x01\x02"),
        "Basic " + "A" * 20_000,                           # huge
        "Basic " + _b64(b"x" * 5000 + b":" + b"y" * 5000),
    ]
    for value in values:
        response = client.post(endpoint, data=_body(endpoint),
                               headers={"Authorization": value})
        _assert_basic_401(response)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_missing_or_other_authorization_is_never_500(app, client, endpoint):
    for value in ("", "   ", "Bearer abc", "Digest x=y", "\x7f", "Basic" + "A" * 9000):
        response = client.post(endpoint, data=_body(endpoint),
                               headers={"Authorization": value})
        assert response.status_code in (400, 401), (value, response.status_code)
        assert response.json["error"] == "invalid_client"
        if response.status_code == 401:
            assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_valid_basic_credentials_still_work(app, client, unique):
    reg = register(app, unique, grant_types=["client_credentials"], scopes=["openid"])
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                           headers=basic(reg["client_id"], reg["secret"]))
    assert response.status_code == 200, response.json
    # RFC 6749 Appendix B: client_id and secret are form-urlencoded inside Basic.
    raw = f"{reg['client_id']}:{reg['secret']}".replace("-", "%2D").encode()
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                           headers={"Authorization": "Basic " + _b64(raw)})
    assert response.status_code == 200, response.json


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=300))
def test_any_basic_bytes_give_401_never_500(app, raw):
    with app.test_client() as client:
        response = client.post("/oauth/introspect", data={"token": "t"},
                               headers={"Authorization": "Basic " + _b64(raw)})
    _assert_basic_401(response)


def _segment(value) -> str:
    data = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_malformed_client_assertions_are_invalid_client(app, client, unique):
    reg = register(app, unique, auth_method="private_key_jwt",
                   jwks_uri="http://127.0.0.1:9/jwks.json",  # nothing listens there
                   grant_types=["client_credentials"], scopes=["openid"])
    now = int(time.time())
    good_claims = {"iss": reg["client_id"], "sub": reg["client_id"], "exp": now + 60,
                   "aud": "http://localhost/oauth/token", "jti": unique}
    assertions = [
        "", "abc", "a.b.c", "!!!.@@@.###", "..", "x" * 50_000,
        _segment({"alg": "RS256"}) + "." + _segment([]) + ".sig",
        _segment([]) + "." + _segment({"sub": "x"}) + ".sig",
        _segment(b"\xff\xfe") + "." + _segment(b"\xff") + ".sig",
        _segment({"alg": "RS256"}) + "." + _segment({"sub": 42}) + ".sig",
        _segment({"alg": "RS256"}) + "." + _segment({"sub": {"a": 1}}) + ".sig",
        _segment({"alg": "RS256"}) + "." + _segment({"sub": "nobody"}) + ".sig",
        _segment({"alg": 5, "kid": []}) + "." + _segment(good_claims) + ".c2ln",
        _segment({"alg": "none"}) + "." + _segment(good_claims) + ".",
        _segment({"alg": "HS256"}) + "." + _segment(good_claims) + ".c2ln",
        _segment({"alg": "RS256", "kid": "k"}) + "." + _segment(good_claims) + ".c2ln",
    ]
    for assertion in assertions:
        for endpoint in ("/oauth/token", "/oauth/introspect"):
            response = client.post(endpoint, data={
                **_body(endpoint), "client_id": reg["client_id"],
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion})
            assert response.status_code in (400, 401), (assertion[:60], response.status_code)
            assert response.json["error"] == "invalid_client", response.json
    raw = ("grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth"
           "%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=%ff%fe.%c3%28.%80")
    response = client.post("/oauth/token", data=raw, content_type=FORM)
    assert response.status_code in (400, 401) and response.json["error"] == "invalid_client"


# --- RFC 6749 sections 3.2 and 5.2: the token endpoint's own parameters ------------


def test_token_request_without_grant_type_is_invalid_request(app, client, unique):
    reg = register(app, unique)
    response = client.post("/oauth/token", data={"code": "x"},
                           headers=basic(reg["client_id"], reg["secret"]))
    assert response.status_code == 400
    assert response.json == {"error": "invalid_request",
                             "error_description": "The grant_type parameter is missing."}
    empty = client.post("/oauth/token", data={"grant_type": ""},
                        headers=basic(reg["client_id"], reg["secret"]))
    assert empty.status_code == 400 and empty.json["error"] == "invalid_request"
    unknown = client.post("/oauth/token", data={"grant_type": "password"},
                          headers=basic(reg["client_id"], reg["secret"]))
    assert unknown.status_code == 400 and unknown.json["error"] == "unsupported_grant_type"


def test_repeated_token_parameters_are_invalid_request(app, client, unique):
    reg = register(app, unique)
    code, verifier, _ = signed_in_code(app, client, unique, reg)
    headers = basic(reg["client_id"], reg["secret"])
    for body in (
        [("grant_type", "authorization_code"), ("grant_type", "authorization_code"),
         ("code", code), ("redirect_uri", REDIRECT), ("code_verifier", verifier)],
        [("grant_type", "authorization_code"), ("code", code), ("code", code),
         ("redirect_uri", REDIRECT), ("code_verifier", verifier)],
        [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", REDIRECT),
         ("code_verifier", verifier), ("code_verifier", verifier)],
    ):
        response = client.post("/oauth/token", data=urlencode(body), content_type=FORM,
                               headers=headers)
        assert response.status_code == 400, response.json
        assert response.json["error"] == "invalid_request"
        assert response.json["error_description"].endswith("parameter is repeated.")
    # In the query string and the body at once counts as twice as well.
    response = client.post("/oauth/token?grant_type=authorization_code",
                           data={"grant_type": "authorization_code", "code": code,
                                 "redirect_uri": REDIRECT, "code_verifier": verifier},
                           headers=headers)
    assert response.status_code == 400 and response.json["error"] == "invalid_request"
    # Refused before redemption: the code still works once, properly sent.
    assert exchange(client, reg, code, verifier).status_code == 200


@pytest.mark.parametrize("endpoint", ["/oauth/introspect", "/oauth/revoke"])
def test_repeated_or_missing_token_parameter(app, client, unique, endpoint):
    reg = register(app, unique)
    headers = basic(reg["client_id"], reg["secret"])
    twice = client.post(endpoint, data=urlencode([("token", "a"), ("token", "b")]),
                        content_type=FORM, headers=headers)
    assert twice.status_code == 400 and twice.json["error"] == "invalid_request"
    missing = client.post(endpoint, data={"token_type_hint": "access_token"},
                          headers=headers)
    assert missing.status_code == 400 and missing.json == {
        "error": "invalid_request", "error_description": "The token parameter is missing."}


# --- the authorization endpoint: repeated and missing parameters, descriptions ------


def _authorize(client, pairs):
    return client.get("/oauth/authorize?" + urlencode(pairs))


def _pairs(reg, **extra):
    _, challenge = pkce()
    return list(auth_params(reg["client_id"], challenge, state="s1", **extra).items())


def _clean(description: str) -> None:
    assert description and set(description) <= ALLOWED, description
    assert description[0].isupper() and description.endswith("."), description
    assert len(description) <= 200 and "=" not in description, description


def test_repeated_authorization_parameters_redirect_invalid_request(app, client, unique):
    reg = register(app, unique)
    for name in ("scope", "response_type", "nonce", "code_challenge", "prompt", "ui_locales"):
        pairs = _pairs(reg, prompt="login", ui_locales="en")
        pairs.append((name, dict(pairs)[name]))
        response = _authorize(client, pairs)
        assert response.status_code == 302, (name, response.status_code)
        values = query(response.headers["Location"])
        assert response.headers["Location"].startswith(REDIRECT + "?")
        assert values["error"] == "invalid_request" and values["state"] == "s1"
        assert values["error_description"] == f"The {name} parameter is repeated."
    # A repeated state has no single value to echo: the error goes without one.
    pairs = _pairs(reg) + [("state", "s2")]
    values = query(_authorize(client, pairs).headers["Location"])
    assert values["error"] == "invalid_request" and "state" not in values


def test_repeated_client_or_redirect_uri_gets_the_error_page(app, client, unique):
    reg = register(app, unique)
    for name in ("client_id", "redirect_uri"):
        pairs = _pairs(reg)
        pairs.append((name, dict(pairs)[name]))
        response = _authorize(client, pairs)
        assert response.status_code == 400 and "Location" not in response.headers
        assert "invalid_request" in response.get_data(as_text=True)


def test_authorization_error_descriptions_are_clean_sentences(app, client, unique):
    reg = register(app, unique)
    cases = {
        "response_type": (None, "invalid_request", "The response_type parameter is missing."),
        "token": ("token", "unsupported_response_type",
                  "Only the code response type is supported."),
        "id_token": ("code id_token", "unsupported_response_type",
                     "Only the code response type is supported."),
    }
    for _, (value, error, description) in cases.items():
        pairs = [(k, v) for k, v in _pairs(reg) if k != "response_type"]
        if value is not None:
            pairs.append(("response_type", value))
        values = query(_authorize(client, pairs).headers["Location"])
        assert values["error"] == error and values["state"] == "s1"
        assert values["error_description"] == description
    no_pkce = [(k, v) for k, v in _pairs(reg) if not k.startswith("code_challenge")]
    values = query(_authorize(client, no_pkce).headers["Location"])
    assert values["error_description"] == \
        "The code_challenge parameter is missing (PKCE is required)."
    for extra in ({"scope": "openid admin"}, {"response_mode": "fragment"},
                  {"max_age": "-1"}, {"max_age": "\u00b2"}, {"max_age": "1\u00b9"},
                  {"prompt": "none login"}, {"request": "x.y.z"},
                  {"code_challenge_method": "plain"}, {"code_challenge": "short"}):
        pairs = [(k, v) for k, v in _pairs(reg) if k not in extra] + list(extra.items())
        values = query(_authorize(client, pairs).headers["Location"])
        assert values["error"], extra
        _clean(values["error_description"])


# --- RFC 7662 / RFC 7009: hints are advisory; revocation of another client's token ---


def _tokens(app, client, unique, reg):
    code, verifier, _ = signed_in_code(app, client, unique, reg)
    response = exchange(client, reg, code, verifier)
    assert response.status_code == 200
    return response.json


def test_unknown_token_type_hints_are_ignored(app, client, unique):
    reg = register(app, unique)
    body = _tokens(app, client, unique, reg)
    headers = basic(reg["client_id"], reg["secret"])
    for token in (body["access_token"], body["refresh_token"]):
        for hint in ("%ff", "foo", "%00", "refresh_token", "access_token", ""):
            raw = urlencode({"token": token}) + "&token_type_hint=" + hint
            response = client.post("/oauth/introspect", data=raw, content_type=FORM,
                                   headers=headers)
            assert response.status_code == 200, (hint, response.json)
            assert response.json["active"] is True, hint
    raw = urlencode({"token": body["refresh_token"]}) + "&token_type_hint=%ff%fe"
    response = client.post("/oauth/revoke", data=raw, content_type=FORM, headers=headers)
    assert response.status_code == 200
    check = client.post("/oauth/introspect", data={"token": body["refresh_token"]},
                        headers=headers)
    assert check.json == {"active": False}


def test_revoking_another_clients_token_is_refused(app, client, unique):
    owner = register(app, unique)
    other = register(app, unique + "o")
    body = _tokens(app, client, unique, owner)
    for token in (body["access_token"], body["refresh_token"]):
        response = client.post("/oauth/revoke", data={"token": token},
                               headers=basic(other["client_id"], other["secret"]))
        assert response.status_code == 400
        assert response.json == {"error": "invalid_grant", "error_description":
                                 "The token was issued to another client."}
        still = client.post("/oauth/introspect", data={"token": token},
                            headers=basic(owner["client_id"], owner["secret"]))
        assert still.json["active"] is True


# --- RFC 6750 section 3.1: the bearer challenge -----------------------------------


def test_userinfo_challenge_without_and_with_a_token(app, client, unique):
    for headers in ({}, {"Authorization": "Basic " + _b64(b"a:b")},
                    {"Authorization": "Bearer"}):
        response = client.get("/oauth/userinfo", headers=headers)
        assert response.status_code == 401
        challenge = response.headers["WWW-Authenticate"]
        assert challenge.startswith("Bearer") and "error" not in challenge
        assert "error" not in response.json
    posted = client.post("/oauth/userinfo", data={})
    assert posted.status_code == 401 and "error" not in posted.headers["WWW-Authenticate"]
    for token in ("garbage", "a.b.c", "\u00ff" * 3):
        response = client.get("/oauth/userinfo", headers={"Authorization": "Bearer " + token})
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
        assert response.json["error"] == "invalid_token"
