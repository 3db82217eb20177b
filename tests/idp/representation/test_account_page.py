"""The account page's "acting for enterprises" section: what it lists, ending an
authorisation (confirmation, CSRF, message after), and who may not end what."""

from __future__ import annotations

from sqlalchemy import select

from tests.idp.accounts.factories import csrf, make_person
from tests.idp.representation.helpers import hall, link, login, make_enterprise, refresh, tokens_for


def _row(app, authorisation_id: int):
    from idp.models.accounts import Authorisation

    with app.services.sessions() as session:
        return session.get(Authorisation, authorisation_id)


def _setup(app, unique):
    boss, clerk = make_person(app, unique), make_person(app, unique + "c")
    company, shop = make_enterprise(app, unique), make_enterprise(app, unique + "s", "小店")
    ids = {"boss": link(app, company, boss, "legal"),
           "clerk": link(app, company, clerk, "agent", matters=["tax-filing"], days=30),
           "shop": link(app, shop, boss, "agent")}
    return boss, clerk, company, shop, ids


def test_lists_what_i_act_for_and_what_i_gave(app, client, unique):
    boss, _clerk, company, shop, ids = _setup(app, unique)
    assert login(client, boss["username"]).status_code == 302
    page = client.get("/account", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Enterprises you act for" in page and company["uscc"] in page and shop["uscc"] in page
    assert "legal representative" in page and "Authorisations you gave" in page
    assert f'data-authorisation="{ids["clerk"]}"' in page and "tax-filing" in page
    chinese = client.get("/account").get_data(as_text=True)
    assert "您代表的企业" in chinese and "法定代表人" in chinese


def test_person_ends_their_own_authorisation(app, client, unique):
    from audit.models import AuditEntry

    boss, _clerk, _company, shop, ids = _setup(app, unique)
    reg = hall(app, unique)
    body = tokens_for(client, reg, boss, shop["sub"])
    page = client.get("/account").get_data(as_text=True)
    form = {"csrf_token": csrf(page), "authorisation": str(ids["shop"])}
    confirm = client.post("/account/representation/end", data=form)
    assert confirm.status_code == 200 and 'name="confirm"' in confirm.get_data(as_text=True)
    assert _row(app, ids["shop"]).withdrawn_at is None  # nothing until confirmed
    done = client.post("/account/representation/end", data={**form, "confirm": "1"})
    assert done.status_code == 302 and "representation=ended" in done.headers["Location"]
    row = _row(app, ids["shop"])
    assert row.withdrawn_at is not None and row.withdrawn_by == boss["sub"]
    after = client.get(done.headers["Location"]).get_data(as_text=True)
    assert 'id="representation-ended"' in after
    assert refresh(client, reg, body["refresh_token"]).json["error"] == "invalid_grant"
    with app.services.sessions() as session:
        entries = list(session.scalars(select(AuditEntry).where(
            AuditEntry.action == "representation.withdraw", AuditEntry.subject == shop["sub"])))
    assert len(entries) == 1 and entries[0].actor == f"person:{boss['sub']}"


def test_legal_representative_ends_an_agent(app, client, unique):
    boss, _clerk, _company, _shop, ids = _setup(app, unique)
    assert login(client, boss["username"]).status_code == 302
    page = client.get("/account").get_data(as_text=True)
    response = client.post("/account/representation/end", data={
        "csrf_token": csrf(page), "authorisation": str(ids["clerk"]), "confirm": "1"})
    assert response.status_code == 302
    assert _row(app, ids["clerk"]).withdrawn_by == boss["sub"]


def test_agent_cannot_end_the_legal_representative_nor_a_stranger_anything(app, client, unique):
    _boss, clerk, _company, _shop, ids = _setup(app, unique)
    stranger = make_person(app, unique + "x")
    for who, target in ((clerk, "boss"), (stranger, "clerk"), (stranger, "shop")):
        assert login(client, who["username"]).status_code == 302
        page = client.get("/account").get_data(as_text=True)
        response = client.post("/account/representation/end", data={
            "csrf_token": csrf(page), "authorisation": str(ids[target]), "confirm": "1"})
        assert response.status_code == 404, (who["username"], target)
        assert _row(app, ids[target]).withdrawn_at is None
    for bad in ("", "abc", "-1", "9" * 40, "\u00b2", "1\u00b9"):
        response = client.post("/account/representation/end", data={
            "csrf_token": csrf(page), "authorisation": bad, "confirm": "1"})
        assert response.status_code == 404


def test_without_csrf_or_session_nothing_ends(app, client, unique):
    boss, _clerk, _company, _shop, ids = _setup(app, unique)
    anonymous = client.post("/account/representation/end",
                            data={"authorisation": str(ids["shop"]), "confirm": "1"})
    assert anonymous.status_code in (302, 400)
    assert login(client, boss["username"]).status_code == 302
    forged = client.post("/account/representation/end",
                         data={"authorisation": str(ids["shop"]), "confirm": "1"})
    assert forged.status_code == 400
    assert _row(app, ids["shop"]).withdrawn_at is None
