"""``id_token_hint`` at the authorization endpoint (OIDC Core 3.1.2.1): checked against
the provider's own keys and issuer (expiry aside); an invalid hint is invalid_request,
redirected to the hall; a hint naming someone else than the session's person is
login_required with prompt=none and a fresh login otherwise."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.idp.protocol.helpers import (
    REDIRECT,
    auth_params,
    login,
    make_person,
    pkce,
    query,
    register,
)
from tests.idp.protocol.test_reauthentication import finish_login, to_login


def our_token(app, sub: str | None, alg: str = "RS256", *, headers: dict | None = None,
              **claims) -> str:
    """A token signed by the provider's own ``alg`` key, as an ID token would be."""
    from tests.idp.services import idp_services

    now = int(time.time())
    values = {"iss": app.config["ONEGATE"]["ISSUER"], "sub": sub, "aud": "some-hall",
              "iat": now - 60, "exp": now + 600, "auth_time": now - 60, **claims}
    return idp_services(app).signer.sign(alg, values, headers)


def provider_kid(app, alg: str) -> str:
    from tests.idp.services import idp_services

    return jwt.get_unverified_header(idp_services(app).signer.sign(alg, {"x": 1}))["kid"]


def ask(client, reg: dict, hint: str, **extra):
    _, challenge = pkce()
    params = auth_params(reg["client_id"], challenge, id_token_hint=hint, **extra)
    return client.get("/oauth/authorize", query_string=params), params


def assert_invalid_request(response, params: dict) -> None:
    assert response.status_code == 302
    location = response.headers["Location"]
    values = query(location)
    assert location.startswith(REDIRECT + "?"), location
    assert values["error"] == "invalid_request" and "code" not in values
    assert "id_token_hint" in values["error_description"]
    assert values["state"] == params["state"] and values["iss"]


def tampered_signature(token: str) -> str:
    head, body, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[len(raw) // 2] ^= 0x01
    return f"{head}.{body}." + base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


def forged(app, alg: str, key, kid: str, sub: str) -> str:
    now = int(time.time())
    return jwt.encode({"iss": app.config["ONEGATE"]["ISSUER"], "sub": sub, "aud": "x",
                       "iat": now, "exp": now + 600}, key, algorithm=alg,
                      headers={"kid": kid})


def raw(header, body: str) -> str:
    text = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    return f"{text}.{body}.c2ln"


def bad_hints(app, sub: str) -> dict[str, str]:
    good = our_token(app, sub)
    rsa_kid, ec_kid = provider_kid(app, "RS256"), provider_kid(app, "ES256")
    stranger_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    stranger_ec = ec.generate_private_key(ec.SECP256R1())
    head, body, _ = good.split(".")
    return {
        "not a JWT": "not-a-jwt",
        "bad signature": tampered_signature(good),
        "no signature": f"{head}.{body}.",
        "another issuer": our_token(app, sub, iss="https://elsewhere.example.cn"),
        "no sub": our_token(app, None),
        "unknown kid": forged(app, "RS256", stranger_rsa, "not-our-kid", sub),
        "our RSA kid, a stranger's RSA key": forged(app, "RS256", stranger_rsa, rsa_kid, sub),
        "ES256 under our RSA kid": forged(app, "ES256", stranger_ec, rsa_kid, sub),
        "RS256 under our EC kid": forged(app, "RS256", stranger_rsa, ec_kid, sub),
        "HS256 keyed with a kid": forged(app, "HS256", "x" * 32, rsa_kid, sub),
        "alg none": jwt.encode({"iss": app.config["ONEGATE"]["ISSUER"], "sub": sub},
                               None, algorithm="none", headers={"kid": rsa_kid}),
        "kid is a list": raw({"alg": "RS256", "kid": [rsa_kid]}, body),
        "alg is an object": raw({"alg": {"RS256": 1}, "kid": rsa_kid}, body),
        "header is not an object": raw(["RS256"], body),
        "empty segments": "..",
        "an access token": our_token(app, sub, "ES256", headers={"typ": "at+jwt"}),
        "a logout token": our_token(app, sub, headers={"typ": "logout+jwt"},
                                    events={"http://schemas.openid.net/event/"
                                            "backchannel-logout": {}}),
    }


@pytest.mark.parametrize("with_session", [True, False])
def test_invalid_hints_are_invalid_request_at_the_hall(app, client, unique, with_session):
    reg = register(app, unique, trusted=True)
    person = make_person(app, unique)
    if with_session:
        assert login(client, person["username"]).status_code == 302
    for name, hint in bad_hints(app, person["sub"]).items():
        for extra in ({}, {"prompt": "none"}):
            response, params = ask(client, reg, hint, **extra)
            assert response.status_code == 302, name
            try:
                assert_invalid_request(response, params)
            except AssertionError as exc:
                raise AssertionError(f"{name} {extra}: {exc}") from None


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
def test_valid_hint_of_the_session_person_gives_a_code_even_expired(app, client, unique, alg):
    reg = register(app, unique, trusted=True)
    person = make_person(app, unique)
    assert login(client, person["username"]).status_code == 302
    now = int(time.time())
    for hint in (our_token(app, person["sub"], alg),
                 our_token(app, person["sub"], alg, exp=now - 86400, iat=now - 90000)):
        response, params = ask(client, reg, hint, prompt="none")
        values = query(response.headers["Location"])
        assert "code" in values, values
        assert values["state"] == params["state"]


def test_hint_of_someone_else_is_login_required_with_prompt_none(app, client, unique):
    reg = register(app, unique, trusted=True)
    person = make_person(app, unique)
    other = make_person(app, unique + "o")
    assert login(client, person["username"]).status_code == 302
    response, params = ask(client, reg, our_token(app, other["sub"]), prompt="none")
    values = query(response.headers["Location"])
    assert response.headers["Location"].startswith(REDIRECT)
    assert values["error"] == "login_required" and "code" not in values
    assert values["state"] == params["state"]


def test_hint_of_someone_else_demands_a_fresh_login(app, client, unique):
    reg = register(app, unique, trusted=True)
    person = make_person(app, unique)
    other = make_person(app, unique + "o")
    assert login(client, person["username"]).status_code == 302
    response, params = ask(client, reg, our_token(app, other["sub"]))
    login_params = to_login(response)
    assert login_params["force"] == "1"
    # The session's person cannot skip the login by coming straight back.
    again = client.get(login_params["next"])
    assert to_login(again)["force"] == "1"
    back = finish_login(client, other, login_params)
    values = query(back.headers["Location"])
    assert back.headers["Location"].startswith(REDIRECT) and "code" in values


def test_valid_hint_without_session_is_a_normal_login(app, client, unique):
    reg = register(app, unique, trusted=True)
    person = make_person(app, unique)
    response, _ = ask(client, reg, our_token(app, person["sub"]))
    login_params = to_login(response)
    assert "force" not in login_params
    back = finish_login(client, person, login_params)
    assert "code" in query(back.headers["Location"])
    none, _ = ask(app.test_client(), reg, our_token(app, person["sub"]), prompt="none")
    assert query(none.headers["Location"])["error"] == "login_required"
