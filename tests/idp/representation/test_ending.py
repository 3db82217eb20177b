"""An authorisation that expires or is withdrawn: no more choosing the enterprise, and
the refresh tokens chosen under it fail (invalid_grant); its access tokens are denied."""

from __future__ import annotations

from datetime import timedelta

import pytest

from edge.timestamps import utcnow
from tests.idp.accounts.factories import make_person
from tests.idp.representation.helpers import (
    choose,
    hall,
    link,
    login,
    make_enterprise,
    refresh,
    start,
    tokens_for,
)


@pytest.fixture
def clock(monkeypatch):
    """The clock idp.representation decides by, moved forward on demand."""
    from idp import representation

    offset = {"delta": timedelta(0)}
    monkeypatch.setattr(representation, "utcnow", lambda: utcnow() + offset["delta"])

    def advance(**kw) -> None:
        offset["delta"] += timedelta(**kw)

    return advance


def test_agent_past_expiry_cannot_choose_and_refresh_fails(app, client, unique, clock):
    reg = hall(app, unique)
    person, enterprise = make_person(app, unique), make_enterprise(app, unique)
    link(app, enterprise, person, "agent", days=1)
    body = tokens_for(client, reg, person, enterprise["sub"])
    assert refresh(client, reg, body["refresh_token"]).status_code == 200
    clock(days=1, seconds=1)
    page, params, _ = start(client, reg)
    # No live enterprise: no question, the person acts as themselves; a hand-made
    # choice of the enterprise is refused.
    assert page.status_code == 302 and "code=" in page.headers["Location"]
    form = client.get("/account").get_data(as_text=True)
    answer = choose(client, form, {**params, "nonce": "n-late"}, enterprise["sub"])
    assert answer.status_code == 403 and "Location" not in answer.headers
    again = refresh(client, reg, body["refresh_token"])
    assert again.status_code == 400 and again.json["error"] == "invalid_grant"


def test_expired_between_login_and_refresh(app, client, unique, clock):
    reg = hall(app, unique)
    person, enterprise = make_person(app, unique), make_enterprise(app, unique)
    link(app, enterprise, person, "agent", days=2)
    body = tokens_for(client, reg, person, enterprise["sub"])
    clock(days=3)
    response = refresh(client, reg, body["refresh_token"])
    assert response.status_code == 400 and response.json["error"] == "invalid_grant"
    assert "authorisation" in response.json["error_description"]


def test_code_redeemed_after_expiry_gives_nothing(app, client, unique, clock):
    from tests.idp.protocol.helpers import exchange, query
    from tests.idp.representation.helpers import consented

    reg = hall(app, unique)
    person, enterprise = make_person(app, unique), make_enterprise(app, unique)
    link(app, enterprise, person, "agent", days=1)
    assert login(client, person["username"]).status_code == 302
    page, params, verifier = start(client, reg)
    answer = consented(client, choose(client, page.get_data(as_text=True), params,
                                      enterprise["sub"]))
    code = query(answer.headers["Location"])["code"]
    clock(days=2)
    response = exchange(client, reg, code, verifier)
    assert response.status_code == 400 and response.json["error"] == "invalid_grant"


def test_withdrawn_authorisation_ends_tokens_and_choice(app, client, unique):
    from tests.idp.representation.test_acting_for import _withdraw

    reg = hall(app, unique)
    person, enterprise = make_person(app, unique), make_enterprise(app, unique)
    authorisation = link(app, enterprise, person, "agent")
    body = tokens_for(client, reg, person, enterprise["sub"])
    bearer = {"Authorization": "Bearer " + body["access_token"]}
    assert client.get("/oauth/userinfo", headers=bearer).status_code == 200
    _withdraw(app, authorisation)
    assert client.get("/oauth/userinfo", headers=bearer).status_code == 401
    response = refresh(client, reg, body["refresh_token"])
    assert response.status_code == 400 and response.json["error"] == "invalid_grant"
    page, params, _ = start(client, reg)
    form = client.get("/account").get_data(as_text=True)
    answer = choose(client, form, {**params, "nonce": "n-gone"}, enterprise["sub"])
    assert answer.status_code == 403


def test_refresh_keeps_the_choice_while_live(app, client, unique):
    import jwt

    reg = hall(app, unique)
    person, enterprise = make_person(app, unique), make_enterprise(app, unique)
    link(app, enterprise, person, "legal")
    body = tokens_for(client, reg, person, enterprise["sub"])
    renewed = refresh(client, reg, body["refresh_token"])
    assert renewed.status_code == 200
    claims = jwt.decode(renewed.json["access_token"], options={"verify_signature": False})
    assert claims["sub"] == enterprise["sub"] and claims["act"]["sub"] == person["sub"]
    id_claims = jwt.decode(renewed.json["id_token"], options={"verify_signature": False})
    assert id_claims["sub"] == enterprise["sub"]


def test_locked_enterprise_cannot_be_chosen(app, client, unique):
    from idp import accounts
    from idp.models.accounts import Account

    reg = hall(app, unique)
    person, enterprise = make_person(app, unique), make_enterprise(app, unique)
    link(app, enterprise, person, "legal", days=10)
    body = tokens_for(client, reg, person, enterprise["sub"])
    with app.app_context(), app.services.sessions.begin() as session:
        accounts.lock(session, session.get(Account, enterprise["id"]), "struck off")
    response = refresh(client, reg, body["refresh_token"])
    assert response.status_code == 400 and response.json["error"] == "invalid_grant"
    assert utcnow()
