"""The authorization endpoint's wire behaviour (in-process)."""

from __future__ import annotations

from urllib.parse import urlencode

from tests.idp.protocol.helpers import (
    REDIRECT,
    auth_params,
    authorize,
    login,
    make_person,
    pkce,
    query,
    register,
)


def test_unknown_client_and_wrong_redirect_uri_show_a_page_and_never_redirect(app, client,
                                                                               unique):
    reg = register(app, unique)
    _, challenge = pkce()
    for params in (auth_params("nobody-" + unique, challenge),
                   auth_params(reg["client_id"], challenge,
                               redirect_uri="https://evil.example/cb"),
                   auth_params(reg["client_id"], challenge, redirect_uri=REDIRECT + "/x"),
                   auth_params(reg["client_id"], challenge, redirect_uri=None)):
        response = client.get("/oauth/authorize", query_string=params)
        assert response.status_code == 400
        assert "Location" not in response.headers
        assert response.mimetype == "text/html"


def test_disabled_client_gets_the_error_page(app, client, unique):
    from idp.models.clients import OAuthClient

    reg = register(app, unique)
    with app.app_context(), app.services.sessions.begin() as session:
        session.query(OAuthClient).filter_by(client_id=reg["client_id"]).update({"disabled": True})
    _, challenge = pkce()
    response = client.get("/oauth/authorize", query_string=auth_params(reg["client_id"], challenge))
    assert response.status_code == 400 and "Location" not in response.headers
    token = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                        auth=(reg["client_id"], reg["secret"]))
    assert token.status_code == 401 and token.json["error"] == "invalid_client"


def test_missing_and_plain_pkce_are_refused_with_state_and_iss(app, client, unique):
    reg = register(app, unique)
    for extra in ({}, {"code_challenge": "a" * 43, "code_challenge_method": "plain"},
                  {"code_challenge": "a" * 43}):
        params = auth_params(reg["client_id"], None, **extra)
        response = client.get("/oauth/authorize", query_string=params)
        assert response.status_code == 302
        assert response.headers["Location"].startswith(REDIRECT + "?")
        values = query(response.headers["Location"])
        assert values["error"] == "invalid_request"
        assert values["state"] == params["state"] and values["iss"] == "http://localhost"


def test_prompt_none_without_session_is_login_required(app, client, unique):
    reg = register(app, unique)
    _, challenge = pkce()
    params = auth_params(reg["client_id"], challenge, prompt="none")
    response = client.get("/oauth/authorize", query_string=params)
    values = query(response.headers["Location"])
    assert values == {"error": "login_required", "state": params["state"],
                      "iss": "http://localhost"}


def test_no_session_goes_to_login_and_comes_back(app, client, unique):
    reg = register(app, unique, trusted=True)
    person = make_person(app, unique)
    verifier, challenge = pkce()
    params = auth_params(reg["client_id"], challenge)
    response = client.get("/oauth/authorize", query_string=params)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?")
    next_url = query(response.headers["Location"])["next"]
    assert next_url.startswith("/oauth/authorize?")
    back = login(client, person["username"], next_url=next_url)
    assert back.headers["Location"] == next_url
    done = client.get(next_url)
    values = query(done.headers["Location"])
    assert values["state"] == params["state"] and values["iss"] == "http://localhost"
    assert len(values["code"]) > 30


def test_consent_page_then_remembered_and_prompt_consent(app, client, unique):
    reg = register(app, unique)
    person = make_person(app, unique)
    login(client, person["username"])
    _, challenge = pkce()
    params = auth_params(reg["client_id"], challenge, scope="openid profile identity")
    page = client.get("/oauth/authorize", query_string=params)
    assert page.status_code == 200 and 'name="decision"' in page.get_data(as_text=True)
    assert "https://hall.example.cn" in page.headers["Content-Security-Policy"]
    assert "code" in query(authorize(client, params).headers["Location"])
    again = client.get("/oauth/authorize", query_string=auth_params(
        reg["client_id"], challenge, scope="openid profile identity"))
    assert again.status_code == 302 and "code" in query(again.headers["Location"])
    forced = client.get("/oauth/authorize", query_string=auth_params(
        reg["client_id"], challenge, prompt="consent"))
    assert forced.status_code == 200
    none = client.get("/oauth/authorize", query_string=auth_params(
        reg["client_id"], challenge, scope="openid email"))
    assert none.status_code == 200  # email not yet consented


def test_denied_consent_is_access_denied(app, client, unique):
    from tests.idp.accounts.factories import csrf

    reg = register(app, unique)
    person = make_person(app, unique)
    login(client, person["username"])
    _, challenge = pkce()
    params = auth_params(reg["client_id"], challenge)
    page = client.get("/oauth/authorize", query_string=params)
    denied = client.post("/oauth/authorize", data={
        **params, "csrf_token": csrf(page.get_data(as_text=True)), "decision": "deny"})
    values = query(denied.headers["Location"])
    assert values["error"] == "access_denied" and values["state"] == params["state"]


def test_trusted_client_skips_consent_but_not_for_identity(app, client, unique):
    reg = register(app, unique, trusted=True)
    person = make_person(app, unique)
    login(client, person["username"])
    _, challenge = pkce()
    plain = client.get("/oauth/authorize", query_string=auth_params(reg["client_id"], challenge))
    assert plain.status_code == 302
    identity = client.get("/oauth/authorize", query_string=auth_params(
        reg["client_id"], challenge, scope="openid identity"))
    assert identity.status_code == 200


def test_prompt_login_and_max_age_force_reauthentication(app, client, unique):
    reg = register(app, unique, trusted=True)
    person = make_person(app, unique)
    login(client, person["username"])
    _, challenge = pkce()
    for extra in ({"prompt": "login"}, {"max_age": "0"}):
        response = client.get("/oauth/authorize",
                              query_string=auth_params(reg["client_id"], challenge, **extra))
        values = query(response.headers["Location"])
        assert response.headers["Location"].startswith("/login?") and values["force"] == "1"
        # The request comes back as it was: the recorded demand, not a stripped URL,
        # lets the fresh login through (tests/idp/protocol/test_reauthentication.py).
        assert values["next"].endswith("&" + urlencode(extra))


def test_step_up_for_loa2(app, client, unique):
    reg = register(app, unique, trusted=True)
    person = make_person(app, unique)
    login(client, person["username"])
    _, challenge = pkce()
    response = client.get("/oauth/authorize", query_string=auth_params(
        reg["client_id"], challenge, acr_values="loa-2"))
    values = query(response.headers["Location"])
    assert response.headers["Location"].startswith("/login?") and values["acr"] == "loa-2"
    none = client.get("/oauth/authorize", query_string=auth_params(
        reg["client_id"], challenge, acr_values="loa-2", prompt="none"))
    assert query(none.headers["Location"])["error"] == "login_required"


def test_locked_account_cannot_log_in_nor_authorize(app, client, unique):
    from idp import accounts

    reg = register(app, unique, trusted=True)
    person = make_person(app, unique)
    with app.app_context(), app.services.sessions.begin() as session:
        accounts.get_by_sub(session, person["sub"]).locked = True
    assert login(client, person["username"]).status_code == 403
    _, challenge = pkce()
    response = client.get("/oauth/authorize", query_string=auth_params(
        reg["client_id"], challenge, prompt="none"))
    assert query(response.headers["Location"])["error"] == "login_required"


def test_unsupported_response_type_and_request_objects(app, client, unique):
    reg = register(app, unique)
    _, challenge = pkce()
    for extra, error in (({"response_type": "token"}, "unsupported_response_type"),
                         ({"response_type": "code id_token"}, "unsupported_response_type"),
                         ({"request": "eyJhbGciOiJub25lIn0.e30."}, "request_not_supported"),
                         ({"request_uri": "https://x.example/r"}, "request_uri_not_supported"),
                         ({"prompt": "none login"}, "invalid_request"),
                         ({"max_age": "soon"}, "invalid_request"),
                         ({"nonce": "n" * 300}, "invalid_request"),
                         ({"scope": "openid admin"}, "invalid_scope")):
        params = auth_params(reg["client_id"], challenge, **extra)
        response = client.get("/oauth/authorize", query_string=params)
        values = query(response.headers["Location"])
        assert values["error"] == error, (extra, values)
        assert values["state"] == params["state"] and values["iss"] == "http://localhost"


def test_consent_page_speaks_chinese_by_default(app, client, unique):
    reg = register(app, unique)
    person = make_person(app, unique)
    login(client, person["username"])
    _, challenge = pkce()
    page = client.get("/oauth/authorize", query_string=auth_params(reg["client_id"], challenge))
    assert "允许" in page.get_data(as_text=True)
    english = client.get("/oauth/authorize", query_string=auth_params(
        reg["client_id"], challenge, ui_locales="en"))
    assert "Allow" in english.get_data(as_text=True)


def test_public_client_code_flow_with_pkce(app, client, unique):
    from tests.idp.protocol.helpers import REDIRECT

    reg = register(app, unique, auth_method="none", trusted=True)
    person = make_person(app, unique)
    login(client, person["username"])
    verifier, challenge = pkce()
    response = client.get("/oauth/authorize", query_string=auth_params(reg["client_id"],
                                                                        challenge))
    code = query(response.headers["Location"])["code"]
    missing = client.post("/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
        "client_id": reg["client_id"]})
    assert missing.status_code == 400 and missing.json["error"] == "invalid_grant"
    response = client.get("/oauth/authorize", query_string=auth_params(reg["client_id"],
                                                                        challenge))
    code = query(response.headers["Location"])["code"]
    ok = client.post("/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
        "client_id": reg["client_id"], "code_verifier": verifier})
    assert ok.status_code == 200 and ok.json["id_token"] and ok.json["refresh_token"]


def test_form_action_origin_for_the_login_page(app, unique):
    from urllib.parse import urlencode

    from idp.authorize import form_action_origin
    from tests.idp.services import idp_services

    reg = register(app, unique)
    services = idp_services(app)
    with app.test_request_context(), services.work():
        good = "/oauth/authorize?" + urlencode(auth_params(reg["client_id"], "c" * 43))
        assert form_action_origin(services, good) == "https://hall.example.cn"
        bad = "/oauth/authorize?" + urlencode(auth_params(reg["client_id"], "c" * 43,
                                                          redirect_uri="https://evil.example/"))
        assert form_action_origin(services, bad) is None
        assert form_action_origin(services, "/account") is None


def test_post_authorization_request_and_forged_consent(app, client, unique):
    trusted = register(app, unique, trusted=True)
    person = make_person(app, unique)
    login(client, person["username"])
    _, challenge = pkce()
    posted = client.post("/oauth/authorize", data=auth_params(trusted["client_id"], challenge))
    assert posted.status_code == 302 and "code" in query(posted.headers["Location"])
    asking = register(app, unique + "a")
    forged = client.post("/oauth/authorize", data={
        **auth_params(asking["client_id"], challenge), "decision": "allow"})
    assert forged.status_code == 200 and 'name="decision"' in forged.get_data(as_text=True)
