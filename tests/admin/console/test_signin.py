"""The console's callback: state, nonce, PKCE, ID token and acr checks, who may enter.

The code exchange is replaced by a fake token endpoint answering an ID token signed
with the provider's own key (the real exchange over HTTP runs in test_live_signin.py).
"""

from __future__ import annotations

import base64
import hashlib
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from idp.staff import AUDITOR, PLATFORM_ADMIN
from tests.admin.console.helpers import audit_entries, live_sso_session, make_staff


class FakeTokenEndpoint:
    """Answers the exchange with ``claims`` signed by the provider (or raises)."""

    def __init__(self, app, claims: dict, alg: str = "RS256"):
        self.app, self.claims, self.alg, self.calls = app, claims, alg, []

    def __call__(self, code, verifier, redirect_uri):
        self.calls.append((code, verifier, redirect_uri))
        token = self.app.services.keyring.sign_jwt("provider", self.alg, self.claims)
        return {"id_token": token, "access_token": "x", "token_type": "Bearer"}


@pytest.fixture
def start(app):
    """A client that began a sign-in; returns (client, authorization request params)."""
    def _start(client):
        answer = client.get("/admin/login?next=/admin/")
        return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}
    return _start


def _claims(app, params, sub, session_id, **extra) -> dict:
    now = int(time.time())
    claims = {"iss": app.services.issuer, "aud": "onegate-console", "sub": sub,
              "sid": session_id,
              "iat": now, "exp": now + 300, "nonce": params["nonce"], "acr": "loa-2",
              "auth_time": now}
    claims.update(extra)
    return {k: v for k, v in claims.items() if v is not None}


def _use(app, fake):
    object.__setattr__(app.console_services, "exchange", fake)


def test_authorization_request(app, start):
    params = start(app.test_client())
    assert params["client_id"] == "onegate-console" and params["response_type"] == "code"
    assert params["acr_values"] == "loa-2" and params["code_challenge_method"] == "S256"
    assert params["redirect_uri"] == "http://localhost/admin/callback"
    assert len(params["state"]) >= 32 and len(params["nonce"]) >= 32
    assert len(params["code_challenge"]) == 43


def test_staff_member_signs_in_and_the_flow_is_used_once(app, start):
    member = make_staff(app, [(AUDITOR, "")])
    sid = live_sso_session(app, member["id"])
    client = app.test_client()
    params = start(client)
    fake = FakeTokenEndpoint(app, _claims(app, params, member["sub"], sid))
    _use(app, fake)
    answer = client.get(f"/admin/callback?code=abc&state={params['state']}")
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/"
    code, verifier, redirect_uri = fake.calls[0]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    assert challenge.decode().rstrip("=") == params["code_challenge"]  # PKCE S256
    assert client.get("/admin/").status_code == 200
    entries = audit_entries(app, "console.sign_in", member["sub"])
    assert len(entries) == 1 and entries[0].data["roles"] == ["auditor"]
    assert entries[0].actor == f"staff:{member['sub']}"
    replay = client.get(f"/admin/callback?code=abc&state={params['state']}")
    assert replay.status_code == 400 and len(fake.calls) == 1


@pytest.mark.parametrize("change, status", [
    ({"nonce": "another"}, 400),
    ({"acr": "loa-1"}, 403),
    ({"acr": None}, 403),
    ({"aud": "demo-hall-tianhe"}, 400),
    ({"iss": "http://elsewhere"}, 400),
    ({"exp": 1}, 400),
    ({"azp": "demo-hall-tianhe"}, 400),
    ({"sid": None}, 400),
])
def test_id_token_checks(app, start, change, status):
    member = make_staff(app, [(PLATFORM_ADMIN, "")])
    sid = live_sso_session(app, member["id"])
    client = app.test_client()
    params = start(client)
    _use(app, FakeTokenEndpoint(app, _claims(app, params, member["sub"], sid, **change)))
    answer = client.get(f"/admin/callback?code=abc&state={params['state']}")
    assert answer.status_code == status
    assert client.get("/admin/").status_code == 302  # not signed in


def test_wrong_state_never_reaches_the_token_endpoint(app, start):
    client = app.test_client()
    params = start(client)
    fake = FakeTokenEndpoint(app, {})
    _use(app, fake)
    assert client.get("/admin/callback?code=abc&state=forged").status_code == 400
    assert client.get(f"/admin/callback?code=abc&state={params['state']}").status_code == 400
    assert client.get("/admin/callback?code=abc").status_code == 400
    assert fake.calls == []


def test_citizen_gets_a_clear_403(app, start):
    from idp import accounts
    from tests.idp.accounts.factories import citizen_id

    with app.idp_services.work() as session:
        person = accounts.create_person(session, accounts.NewAccount(
            username="cz" + str(int(time.time() * 1000))[-8:], password="long enough password",
            display_name="市民", id_number=citizen_id()))
        sub, account_id = person.sub, person.id
    sid = live_sso_session(app, account_id)
    client = app.test_client()
    params = start(client)
    _use(app, FakeTokenEndpoint(app, _claims(app, params, sub, sid)))
    answer = client.get(f"/admin/callback?code=abc&state={params['state']}")
    assert answer.status_code == 403
    assert "/account" in answer.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_provider_error_and_unreachable_token_endpoint(app, start):
    from admin.console.exchange import ExchangeFailed

    client = app.test_client()
    params = start(client)
    answer = client.get(f"/admin/callback?error=access_denied&state={params['state']}")
    assert answer.status_code == 400
    params = start(client)

    def failing(*_args):
        raise ExchangeFailed("down")

    _use(app, failing)
    answer = client.get(f"/admin/callback?code=abc&state={params['state']}")
    assert answer.status_code == 502


def test_next_stays_inside_the_console(app):
    client = app.test_client()
    client.get("/admin/login?next=https://evil.example/")
    with client.session_transaction() as flask_session:
        assert flask_session["console_flow"]["next"] == "/admin/"
    client.get("/admin/login?next=/account")
    with client.session_transaction() as flask_session:
        assert flask_session["console_flow"]["next"] == "/admin/"


def test_sign_in_replaces_the_whole_flask_session(app, start):
    """Session fixation: nothing planted before sign-in (a CSRF token, a forged
    console session) survives it; the language choice does."""
    member = make_staff(app, [(AUDITOR, "")])
    sid = live_sso_session(app, member["id"])
    client = app.test_client()
    client.get("/admin/signed-out?ui_locales=en")  # a page: the choice is kept
    params = start(client)
    with client.session_transaction() as flask_session:
        flask_session["csrf_token"] = "planted-by-an-attacker"
        flask_session["planted"] = True
    _use(app, FakeTokenEndpoint(app, _claims(app, params, member["sub"], sid)))
    assert client.get(f"/admin/callback?code=abc&state={params['state']}").status_code == 302
    with client.session_transaction() as flask_session:
        assert "planted" not in flask_session and "console_flow" not in flask_session
        assert flask_session.get("csrf_token") != "planted-by-an-attacker"
        assert flask_session["ui_locale"] == "en"
        assert flask_session["console"]["sub"] == member["sub"]
