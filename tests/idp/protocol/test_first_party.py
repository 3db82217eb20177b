"""onegate's own wallet shows a person their own licences, so the provider asks no
consent for it -- not even for ``identity``, which a trusted hall must still ask for --
unless the wallet itself sends prompt=consent."""

from __future__ import annotations

from admin.bootstrap import ensure_wallet_client
from credentials.wallet import CLIENT_ID, SCOPES
from tests.idp.protocol.helpers import auth_params, login, make_person, pkce, query, register

CALLBACK = "http://localhost/wallet/callback"


def _wallet_request(client, **extra):
    _, challenge = pkce()
    params = auth_params(CLIENT_ID, challenge, redirect_uri=CALLBACK, scope=" ".join(SCOPES),
                         **extra)
    return client.get("/oauth/authorize", query_string=params)


def test_wallet_gets_a_code_without_a_consent_page(app, client, unique):
    ensure_wallet_client(app)
    login(client, make_person(app, unique)["username"])
    response = _wallet_request(client)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert response.headers["Location"].startswith(CALLBACK)
    assert "code" in query(response.headers["Location"])
    silent = _wallet_request(client, prompt="none")  # the wallet's new-tab sign-in
    assert "code" in query(silent.headers["Location"])


def test_wallet_prompt_consent_still_shows_the_page(app, client, unique):
    ensure_wallet_client(app)
    login(client, make_person(app, unique)["username"])
    response = _wallet_request(client, prompt="consent")
    assert response.status_code == 200 and 'name="decision"' in response.get_data(as_text=True)


def test_a_trusted_hall_still_asks_for_identity(app, client, unique):
    hall = register(app, unique, trusted=True)
    login(client, make_person(app, unique)["username"])
    _, challenge = pkce()
    response = client.get("/oauth/authorize", query_string=auth_params(
        hall["client_id"], challenge, scope="openid identity", prompt="none"))
    assert response.status_code == 302
    assert query(response.headers["Location"])["error"] == "consent_required"


def test_signed_out_wallet_silent_request_says_login_required(app, client):
    ensure_wallet_client(app)
    response = _wallet_request(client, prompt="none")
    assert response.status_code == 302
    assert query(response.headers["Location"])["error"] == "login_required"
