"""Choosing whom one acts for, and what the tokens then say (RFC 8693 section 4.1 act),
each token checked with pyjwt against the published JWKS."""

from __future__ import annotations

import re

from tests.idp.accounts.factories import make_person
from tests.idp.protocol.helpers import signed_in_code
from tests.idp.representation.helpers import (
    basic,
    choices,
    choose,
    hall,
    link,
    login,
    make_enterprise,
    query,
    start,
    tokens_for,
    verified,
)


def test_agent_acts_for_the_enterprise_in_every_token(app, client, unique):
    reg = hall(app, unique)
    person, enterprise = make_person(app, unique), make_enterprise(app, unique)
    link(app, enterprise, person, "agent", matters=["tax-filing", "licences"], days=30)
    body = tokens_for(client, reg, person, enterprise["sub"])
    access = verified(client, body["access_token"], "http://localhost/api")
    assert access["sub"] == enterprise["sub"] and access["cn_uscc"] == enterprise["uscc"]
    assert access["act"] == {"sub": person["sub"], "cn_representation": "agent",
                             "cn_matters": ["tax-filing", "licences"]}
    # The person's own ID number is never released under the enterprise's subject.
    assert "cn_id_number" not in access
    id_token = verified(client, body["id_token"], reg["client_id"])
    assert id_token["sub"] == enterprise["sub"] and id_token["act"] == access["act"]
    assert id_token["cn_uscc"] == enterprise["uscc"]
    info = client.get("/oauth/userinfo",
                      headers={"Authorization": "Bearer " + body["access_token"]}).json
    # OIDC Core 5.3.2: userinfo's sub is the ID token's.
    assert info["sub"] == enterprise["sub"] and info["act"]["sub"] == person["sub"]
    assert info["cn_uscc"] == enterprise["uscc"] and info["name"] == "广州岭南科技有限公司"
    seen = client.post("/oauth/introspect", data={"token": body["access_token"]},
                       headers=basic(reg["client_id"], reg["secret"])).json
    assert seen["active"] and seen["sub"] == enterprise["sub"]
    assert seen["act"]["sub"] == person["sub"] and seen["cn_uscc"] == enterprise["uscc"]
    kept = client.post("/oauth/introspect", data={"token": body["refresh_token"]},
                       headers=basic(reg["client_id"], reg["secret"])).json
    assert kept["sub"] == enterprise["sub"] and kept["act"] == {"sub": person["sub"]}


def test_legal_representative_has_every_matter(app, client, unique):
    reg = hall(app, unique)
    person, enterprise = make_person(app, unique), make_enterprise(app, unique)
    link(app, enterprise, person, "legal")
    body = tokens_for(client, reg, person, enterprise["sub"])
    access = verified(client, body["access_token"], "http://localhost/api")
    assert access["act"] == {"sub": person["sub"], "cn_representation": "legal_representative"}


def test_acting_for_oneself_carries_no_act(app, client, unique):
    reg = hall(app, unique)
    person, enterprise = make_person(app, unique), make_enterprise(app, unique)
    link(app, enterprise, person, "agent")
    body = tokens_for(client, reg, person, "self")
    access = verified(client, body["access_token"], "http://localhost/api")
    assert access["sub"] == person["sub"] and "act" not in access
    assert "cn_uscc" not in access and access["cn_id_number"] == person["id_number"]
    assert "act" not in verified(client, body["id_token"], reg["client_id"])


def test_chooser_lists_only_live_authorisations(app, client, unique):
    reg = hall(app, unique)
    person = make_person(app, unique)
    live, ended, expired = (make_enterprise(app, unique + s) for s in "abc")
    link(app, live, person, "agent", days=1)
    withdrawn = link(app, ended, person, "agent")
    _withdraw(app, withdrawn)
    link(app, expired, person, "agent", days=1)
    _expire(app, expired, person)
    assert login(client, person["username"]).status_code == 302
    page, _params, _ = start(client, reg)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert choices(page.get_data(as_text=True)) == ["self", live["sub"]]
    # The form's answer is redirected on to the hall: CSP form-action must allow it.
    csp = page.headers["Content-Security-Policy"]
    assert re.search(r"form-action 'self' https://hall\.example\.cn", csp), csp


def test_no_question_without_enterprises_or_without_the_scope(app, client, unique):
    reg = hall(app, unique)
    code, _verifier, _person = signed_in_code(app, client, unique, reg,
                                              scope="openid enterprise")
    assert code
    other = make_person(app, unique + "b")
    link(app, make_enterprise(app, unique), other)
    assert login(client, other["username"]).status_code == 302
    response, _params, _ = start(client, reg, scope="openid profile")
    assert response.status_code == 302 and "code" in query(response.headers["Location"])


def test_unlinked_person_choosing_an_enterprise_gets_no_code(app, client, unique):
    reg = hall(app, unique)
    person, enterprise = make_person(app, unique), make_enterprise(app, unique)
    stranger = make_person(app, unique + "x")
    link(app, enterprise, person)
    assert login(client, stranger["username"]).status_code == 302
    page, params, _ = start(client, reg, scope="openid enterprise")
    assert page.status_code == 302  # no enterprises: no question, acts as themselves
    # The stranger posts the chooser's form by hand, naming the enterprise.
    form = client.get("/account")
    answer = choose(client, form.get_data(as_text=True), {**params, "nonce": "n-tamper"},
                    enterprise["sub"])
    assert answer.status_code == 403, answer.headers.get("Location")
    assert "Location" not in answer.headers
    assert 'role="alert"' in answer.get_data(as_text=True)


def test_choice_without_csrf_is_not_taken(app, client, unique):
    reg = hall(app, unique)
    person, enterprise = make_person(app, unique), make_enterprise(app, unique)
    link(app, enterprise, person)
    assert login(client, person["username"]).status_code == 302
    _page, params, _ = start(client, reg)
    answer = client.post("/oauth/authorize", data={**params, "acting_for": enterprise["sub"]})
    # Not our form: the person is asked again, nothing is issued.
    assert answer.status_code == 200 and choices(answer.get_data(as_text=True))


def test_hall_cannot_choose_in_the_query(app, client, unique):
    reg = hall(app, unique)
    person, enterprise = make_person(app, unique), make_enterprise(app, unique)
    link(app, enterprise, person)
    assert login(client, person["username"]).status_code == 302
    response, _params, _ = start(client, reg, acting_for=enterprise["sub"])
    assert response.status_code == 302
    assert query(response.headers["Location"])["error"] == "invalid_request"


def test_prompt_none_needing_a_choice_is_interaction_required(app, client, unique):
    reg = hall(app, unique)
    person, enterprise = make_person(app, unique), make_enterprise(app, unique)
    link(app, enterprise, person)
    assert login(client, person["username"]).status_code == 302
    response, _params, _ = start(client, reg, prompt="none")
    assert query(response.headers["Location"])["error"] == "interaction_required"


def test_choice_is_bound_to_its_request_not_the_session(app, client, unique):
    reg, other_hall = hall(app, unique), hall(app, unique + "h")
    person, enterprise = make_person(app, unique), make_enterprise(app, unique)
    link(app, enterprise, person)
    tokens_for(client, reg, person, enterprise["sub"])
    # Another hall's request in the same browser session is asked afresh.
    page, _params, _ = start(client, other_hall)
    assert page.status_code == 200 and choices(page.get_data(as_text=True))
    quiet, _params, _ = start(client, other_hall, scope="openid profile")
    code = query(quiet.headers["Location"])["code"]
    assert code


def test_enterprise_is_in_discovery(client):
    meta = client.get("/.well-known/openid-configuration").json
    assert "enterprise" in meta["scopes_supported"]
    assert {"act", "cn_uscc"} <= set(meta["claims_supported"])


def _withdraw(app, authorisation_id: int) -> None:
    from idp import representation
    from idp.models.accounts import Authorisation
    from tests.idp.services import idp_services

    with app.app_context(), app.services.sessions.begin() as session:
        representation.withdraw(session, idp_services(app).denylist,
                                session.get(Authorisation, authorisation_id), by="test")


def _expire(app, enterprise: dict, person: dict) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from edge.timestamps import utcnow
    from idp.models.accounts import Authorisation

    with app.app_context(), app.services.sessions.begin() as session:
        session.execute(update(Authorisation).where(
            Authorisation.enterprise_account_id == enterprise["id"],
            Authorisation.person_account_id == person["id"])
            .values(valid_until=utcnow() - timedelta(seconds=1)))
