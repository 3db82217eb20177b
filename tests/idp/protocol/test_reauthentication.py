"""Re-authentication is enforced by the provider (OIDC Core 3.1.2.1 prompt=login and
max_age): the demand is bound to the pending authorization request, so replaying or
editing the login page's ``next`` URL, dropping ``force=1`` or finishing the login in
another browser never yields a code on the old login."""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

import jwt
import pytest
from sqlalchemy import update

from tests.idp.protocol.helpers import (
    PASSWORD,
    REDIRECT,
    auth_params,
    csrf,
    exchange,
    login,
    make_person,
    pkce,
    query,
    register,
)

HOUR = 3600


def age_sessions(app, person: dict, seconds: int = HOUR) -> None:
    """Move the person's logins ``seconds`` into the past (no sleeping in tests)."""
    from edge.timestamps import utcnow
    from idp.models.sso_sessions import SsoSession

    with app.app_context(), app.services.sessions.begin() as session:
        session.execute(update(SsoSession).where(SsoSession.account_id == person["id"])
                        .values(auth_time=utcnow() - timedelta(seconds=seconds)))


def signed_in(app, client, unique: str, *, trusted: bool = True):
    reg = register(app, unique, trusted=trusted)
    person = make_person(app, unique)
    assert login(client, person["username"]).status_code == 302
    age_sessions(app, person)
    return reg, person


def to_login(response) -> dict:
    """The login page's parameters, asserting the response sends the browser there."""
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    location = response.headers["Location"]
    assert location.startswith("/login?"), location
    return query(location)


def no_code(response) -> None:
    """The response sends the browser back to login, never to the hall with a code."""
    location = response.headers.get("Location", "")
    assert not location.startswith(REDIRECT), location
    assert "code" not in query(location)


def edit(next_url: str, drop: tuple[str, ...] = (), **replace) -> str:
    parts = urlsplit(next_url)
    params = [(k, v) for k, v in parse_qsl(parts.query) if k not in drop and k not in replace]
    return parts.path + "?" + urlencode(params + list(replace.items()))


def finish_login(client, person: dict, login_params: dict):
    """Submit the (forced) login form the way a browser would, following to the code."""
    page = client.get("/login", query_string=login_params)
    assert page.status_code == 200
    form = {"csrf_token": csrf(page.get_data(as_text=True)), "login": person["username"],
            "password": PASSWORD, **login_params}
    done = client.post("/login", data=form)
    assert done.status_code == 302 and done.headers["Location"] == login_params["next"]
    return client.get(done.headers["Location"])


@pytest.mark.parametrize("extra", [{"prompt": "login"}, {"max_age": "0"}, {"max_age": "60"},
                                   {"prompt": "login consent"}])
def test_next_url_replayed_with_the_old_session_gives_no_code(app, client, unique, extra):
    reg, _ = signed_in(app, client, unique)
    _, challenge = pkce()
    first = client.get("/oauth/authorize",
                       query_string=auth_params(reg["client_id"], challenge, **extra))
    params = to_login(first)
    assert params["force"] == "1"
    replay = client.get(params["next"])
    no_code(replay)
    assert to_login(replay)["force"] == "1"


@pytest.mark.parametrize("drop,replace", [
    (("prompt",), {}),
    (("max_age",), {}),
    (("prompt", "max_age"), {}),
    (("prompt", "max_age", "scope", "nonce", "state"), {"scope": "openid"}),
    (("prompt",), {"prompt": "consent"}),
    (("prompt",), {"max_age": "100000"}),
])
def test_edited_next_url_still_demands_the_login(app, client, unique, drop, replace):
    reg, _ = signed_in(app, client, unique)
    _, challenge = pkce()
    first = client.get("/oauth/authorize", query_string=auth_params(
        reg["client_id"], challenge, prompt="login", max_age="0"))
    edited = client.get(edit(to_login(first)["next"], drop, **replace))
    no_code(edited)
    assert to_login(edited)["force"] == "1"


def test_edited_next_url_with_prompt_none_is_login_required(app, client, unique):
    reg, _ = signed_in(app, client, unique)
    _, challenge = pkce()
    params = auth_params(reg["client_id"], challenge, prompt="login")
    first = client.get("/oauth/authorize", query_string=params)
    edited = client.get(edit(to_login(first)["next"], ("prompt",), prompt="none"))
    assert edited.status_code == 302
    values = query(edited.headers["Location"])
    assert edited.headers["Location"].startswith(REDIRECT)
    assert values["error"] == "login_required" and "code" not in values
    assert values["state"] == params["state"]


def test_dropping_force_does_not_skip_the_login(app, client, unique):
    reg, _ = signed_in(app, client, unique)
    _, challenge = pkce()
    first = client.get("/oauth/authorize", query_string=auth_params(
        reg["client_id"], challenge, prompt="login"))
    next_url = to_login(first)["next"]
    unforced = client.get("/login", query_string={"next": next_url})
    # The login page may hand the browser on, but the provider sends it straight back.
    hops = 0
    while unforced.status_code == 302 and hops < 5:
        no_code(unforced)
        unforced = client.get(unforced.headers["Location"])
        hops += 1
    assert unforced.status_code == 200 and 'name="password"' in unforced.get_data(as_text=True)


def test_login_in_another_browser_does_not_satisfy_this_one(app, client, unique):
    reg, person = signed_in(app, client, unique)
    _, challenge = pkce()
    first = client.get("/oauth/authorize", query_string=auth_params(
        reg["client_id"], challenge, prompt="login"))
    login_params = to_login(first)
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = client.environ_base["REMOTE_ADDR"]
    stranger = make_person(app, unique + "x")
    elsewhere = finish_login(other, stranger, login_params)
    # The other browser's person logged in after the request: they get their own code.
    assert query(elsewhere.headers["Location"])["code"]
    # (A fresh nonce each time: the provider refuses a nonce that already has a code.)
    for replay in (edit(login_params["next"], nonce="n-1"),
                   edit(login_params["next"], ("prompt",), nonce="n-2")):
        response = client.get(replay)
        no_code(response)
        assert to_login(response)["force"] == "1"


@pytest.mark.parametrize("extra", [{"prompt": "login"}, {"max_age": "0"}, {"max_age": "60"}])
def test_fresh_login_gives_a_code_with_the_new_auth_time(app, client, unique, extra):
    reg, person = signed_in(app, client, unique)
    verifier, challenge = pkce()
    params = auth_params(reg["client_id"], challenge, **extra)
    requested = int(time.time())
    login_params = to_login(client.get("/oauth/authorize", query_string=params))
    back = finish_login(client, person, login_params)
    values = query(back.headers["Location"])
    assert back.headers["Location"].startswith(REDIRECT) and values["state"] == params["state"]
    tokens = exchange(client, reg, values["code"], verifier).get_json()
    claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert claims["sub"] == person["sub"]
    assert claims["auth_time"] >= requested
    # The demand is met by that login: the same request again (a fresh nonce, as the
    # provider refuses a used one) needs no further login.
    again = client.get("/oauth/authorize", query_string={**params, "nonce": "n-again"})
    assert "code" in query(again.headers["Location"])


def test_max_age_within_the_limit_needs_no_login_and_reports_auth_time(app, client, unique):
    reg = register(app, unique, trusted=True)
    person = make_person(app, unique)
    login(client, person["username"])
    before = int(time.time())
    age_sessions(app, person, 30)
    verifier, challenge = pkce()
    response = client.get("/oauth/authorize", query_string=auth_params(
        reg["client_id"], challenge, max_age="600"))
    values = query(response.headers["Location"])
    assert response.headers["Location"].startswith(REDIRECT) and "code" in values
    claims = jwt.decode(exchange(client, reg, values["code"], verifier).get_json()["id_token"],
                        options={"verify_signature": False})
    # OIDC Core 3.1.2.1: with max_age, auth_time MUST be in the ID token.
    assert before - 31 <= claims["auth_time"] <= int(time.time()) - 30


def test_max_age_exceeded_with_prompt_none_is_login_required(app, client, unique):
    reg, _ = signed_in(app, client, unique)
    _, challenge = pkce()
    for extra in ({"max_age": "60"}, {"max_age": "0"}):
        response = client.get("/oauth/authorize", query_string=auth_params(
            reg["client_id"], challenge, prompt="none", **extra))
        values = query(response.headers["Location"])
        assert values["error"] == "login_required" and "code" not in values


def test_no_session_login_satisfies_max_age_zero_without_a_second_login(app, client, unique):
    reg = register(app, unique, trusted=True)
    person = make_person(app, unique)
    _, challenge = pkce()
    first = client.get("/oauth/authorize", query_string=auth_params(
        reg["client_id"], challenge, max_age="0", prompt="login"))
    back = finish_login(client, person, to_login(first))
    assert "code" in query(back.headers["Location"])


def test_forced_login_then_consent_then_code(app, client, unique):
    reg, person = signed_in(app, client, unique, trusted=False)
    verifier, challenge = pkce()
    params = auth_params(reg["client_id"], challenge, prompt="login")
    page = finish_login(client, person, to_login(client.get("/oauth/authorize",
                                                            query_string=params)))
    assert page.status_code == 200 and 'name="decision"' in page.get_data(as_text=True)
    allowed = client.post("/oauth/authorize", data={
        **params, "csrf_token": csrf(page.get_data(as_text=True)), "decision": "allow"})
    values = query(allowed.headers["Location"])
    assert allowed.headers["Location"].startswith(REDIRECT) and "code" in values
    assert exchange(client, reg, values["code"], verifier).status_code == 200
