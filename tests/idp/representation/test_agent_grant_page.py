"""``/account`` "authorise an agent" (idp.pages.agent_grant) through the Flask test
client: a legal representative authorises a person named by ID number and name, the
agent can then choose the enterprise, the lists show masked names, withdrawal ends it;
and every hostile or mistaken form is refused with nothing written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from edge.timestamps import utcnow
from idp.agent_grants import CHINA, LOOKUPS_PER_HOUR
from tests.idp.accounts.factories import citizen_id, csrf, login, make_person
from tests.idp.representation.helpers import choices, hall, link, make_enterprise, start

GRANT = "/account/representation/agents"


def _day(days: int) -> str:
    return (utcnow().astimezone(CHINA).date() + timedelta(days=days)).isoformat()


def _setup(app, unique):
    boss = make_person(app, unique, display_name="李大明")
    agent = make_person(app, unique + "a", display_name="王小五")
    company = make_enterprise(app, unique, "岭南科技有限公司")
    link(app, company, boss, "legal")
    return boss, agent, company


def _form(client, company, agent, **changes) -> dict:
    page = client.get("/account").get_data(as_text=True)
    form = {"csrf_token": csrf(page), "enterprise": company["sub"],
            "id_number": agent["id_number"], "name": "王小五", "matters": ["tax", "licences"],
            "until": _day(30)}
    form.update(changes)
    return form


def _links(app, company) -> list:
    from idp.models.accounts import Account, Authorisation

    with app.services.sessions() as session:
        enterprise = session.scalar(select(Account).where(Account.sub == company["sub"]))
        return list(session.scalars(select(Authorisation).where(
            Authorisation.enterprise_account_id == enterprise.id)))


def _audit(app, action: str, subject: str) -> list:
    from audit.models import AuditEntry

    with app.services.sessions() as session:
        return list(session.scalars(select(AuditEntry).where(
            AuditEntry.action == action, AuditEntry.subject == subject)))


def _offered(app, client, agent, unique) -> list[str]:
    """The enterprises the agent is offered at a hall's login (empty: no question)."""
    reg = hall(app, unique + "h")
    assert login(client, agent["username"], force=True).status_code == 302
    page, _params, _verifier = start(client, reg)
    if page.status_code != 200:
        return []
    return [c for c in choices(page.get_data(as_text=True)) if c != "self"]


def test_legal_representative_authorises_an_agent_who_then_chooses_the_enterprise(
        app, unique):
    boss, agent, company = _setup(app, unique)
    client = app.test_client()
    assert login(client, boss["username"]).status_code == 302
    page = client.get("/account", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Authorise an agent" in page and f'value="{company["sub"]}"' in page
    assert "Tax matters" in page
    done = client.post(GRANT, data=_form(client, company, agent))
    assert done.status_code == 302, done.get_data(as_text=True)[:500]
    assert "representation=granted" in done.headers["Location"]
    [row] = [r for r in _links(app, company) if r.role == "agent"]
    assert row.matters == ["licences", "tax"] and row.granted_by == boss["sub"]
    ends = row.valid_until.astimezone(CHINA)
    assert (ends.date().isoformat(), ends.hour, ends.minute) == (_day(30), 23, 59)
    [entry] = _audit(app, "representation.grant", company["sub"])
    assert entry.actor == f"person:{boss['sub']}" and entry.data["person"] == agent["sub"]
    after = client.get(done.headers["Location"]).get_data(as_text=True)
    assert 'id="representation-granted"' in after and "王*五" in after
    assert agent["id_number"][:4] + "**********" + agent["id_number"][-4:] in after
    assert agent["id_number"] not in after and "王小五" not in after
    assert "办税" in after and "使用企业电子证照" in after  # matters by name, not code

    agent_client = app.test_client()
    assert _offered(app, agent_client, agent, unique) == [company["sub"]]
    held = agent_client.get("/account").get_data(as_text=True)
    assert "岭南科技有限公司" in held and "您代表的企业" in held
    assert "由法定代表人 李大明 授权" in held and "办税" in held

    form = {"csrf_token": csrf(after), "authorisation": str(row.id), "confirm": "1"}
    assert client.post("/account/representation/end", data=form).status_code == 302
    assert _offered(app, agent_client, agent, unique + "x") == []
    assert len(_audit(app, "representation.withdraw", company["sub"])) == 1
    # Ended, the same person can be authorised again (the link is reinstated).
    again = client.post(GRANT, data=_form(client, company, agent, matters=["permits"]))
    assert again.status_code == 302
    [row] = [r for r in _links(app, company) if r.role == "agent"]
    assert row.withdrawn_at is None and row.matters == ["permits"]


@pytest.mark.parametrize(("change", "message"), [
    ({"id_number": "44010619900101123"}, "不是有效的公民身份号码"),
    ({"id_number": "BAD_CHECK"}, "不是有效的公民身份号码"),
    ({"id_number": "UNKNOWN"}, "没有身份证号与姓名都相符的账户"),
    ({"name": "王小六"}, "没有身份证号与姓名都相符的账户"),
    ({"name": "  "}, "请填写经办人的姓名"),
    ({"until": "YESTERDAY"}, "请选择今天至一年内的日期"),
    ({"until": "TOO_FAR"}, "请选择今天至一年内的日期"),
    ({"until": "31/12/2026"}, "请选择今天至一年内的日期"),
    ({"matters": ["tax", "everything"]}, "请从列表中选择"),
    ({"matters": []}, "请从列表中选择"),
    ({"id_number": "SELF", "name": "李大明"}, "您已代表该企业"),
])
def test_mistakes_show_the_form_again_and_write_nothing(app, client, unique, change, message):
    boss, agent, company = _setup(app, unique)
    assert login(client, boss["username"]).status_code == 302
    number = agent["id_number"]
    values = {"BAD_CHECK": number[:17] + ("0" if number[17] != "0" else "1"),
              "UNKNOWN": citizen_id(), "SELF": boss["id_number"],
              "YESTERDAY": _day(-1), "TOO_FAR": _day(366)}
    change = {k: values.get(v, v) if isinstance(v, str) else v for k, v in change.items()}
    response = client.post(GRANT, data=_form(client, company, agent, **change))
    body = response.get_data(as_text=True)
    assert response.status_code == 400, body[:300]
    assert 'id="form-error"' in body and message in body, body
    assert [r.role for r in _links(app, company)] == ["legal"]
    assert _audit(app, "representation.grant", company["sub"]) == []


def test_unknown_number_and_wrong_name_get_the_same_answer(app, client, unique):
    boss, agent, company = _setup(app, unique)
    assert login(client, boss["username"]).status_code == 302
    errors = []
    for change in ({"id_number": citizen_id()}, {"name": "王小六"}):
        body = client.post(GRANT, data=_form(client, company, agent, **change)).get_data(
            as_text=True)
        errors.append(body.split('id="form-error">')[1].split("</p>")[0])
    assert errors[0] == errors[1]


def test_a_live_authorisation_is_not_given_twice(app, client, unique):
    boss, agent, company = _setup(app, unique)
    link(app, company, agent, "agent", matters=["tax"], days=10)
    assert login(client, agent["username"]).status_code == 302
    assert "由运维人员登记" in client.get("/account").get_data(as_text=True)
    assert login(client, boss["username"], force=True).status_code == 302
    response = client.post(GRANT, data=_form(client, company, agent))
    assert response.status_code == 400 and "已代表该企业" in response.get_data(as_text=True)
    [row] = [r for r in _links(app, company) if r.role == "agent"]
    assert row.matters == ["tax"]  # the terms were not replaced


def test_a_twin_request_finds_the_link_its_twin_made(app, unique):
    """A double tap: the second request passed its checks before the first committed;
    recording then finds the row (no IntegrityError, no 500) and refuses."""
    from idp import agent_grants
    from idp.agent_grants import Checked, GrantRefused
    from idp.models.accounts import Account

    boss, agent, company = _setup(app, unique)
    link(app, company, agent, "agent", matters=["tax"], days=10)
    with app.app_context(), app.services.sessions.begin() as session:
        grantor, person = session.get(Account, boss["id"]), session.get(Account, agent["id"])
        checked = Checked(session.get(Account, company["id"]), agent["id_number"], "王小五",
                          ["permits"], utcnow() + timedelta(days=3))
        with pytest.raises(GrantRefused) as refused:
            agent_grants._record(session, grantor, checked, person, utcnow())
    assert refused.value.reason == "already"
    [row] = [r for r in _links(app, company) if r.role == "agent"]
    assert row.matters == ["tax"]


def test_another_legal_representative_is_not_made_an_agent(app, client, unique):
    boss, agent, company = _setup(app, unique)
    link(app, company, agent, "legal")
    assert login(client, boss["username"]).status_code == 302
    assert client.post(GRANT, data=_form(client, company, agent)).status_code == 400
    assert sorted(r.role for r in _links(app, company)) == ["legal", "legal"]


def test_neither_a_stranger_nor_an_agent_may_authorise(app, client, unique):
    boss, agent, company = _setup(app, unique)
    link(app, company, agent, "agent", days=10)
    stranger = make_person(app, unique + "s", display_name="赵六")
    other = make_enterprise(app, unique + "o")
    for who, enterprise, target in ((agent, company, stranger), (stranger, company, agent),
                                    (boss, other, agent)):
        assert login(client, who["username"], force=True).status_code == 302
        page = client.get("/account").get_data(as_text=True)
        if who is not boss:
            assert 'name="id_number"' not in page  # no form offered
        form = {**_form(client, enterprise, target), "name": "赵六" if target is stranger
                else "王小五"}
        response = client.post(GRANT, data=form)
        assert response.status_code == 404, (who["username"], response.status_code)
    for bad in ("", "x" * 200, "not-a-sub"):
        response = client.post(GRANT, data={**_form(client, company, agent), "enterprise": bad})
        assert response.status_code == 404
    assert sorted(r.role for r in _links(app, company)) == ["agent", "legal"]
    assert _links(app, other) == []


def test_without_csrf_or_session_nothing_is_granted(app, client, unique):
    boss, agent, company = _setup(app, unique)
    anonymous = client.post(GRANT, data={"enterprise": company["sub"],
                                         "id_number": agent["id_number"], "name": "王小五",
                                         "matters": "tax", "until": _day(3)})
    assert anonymous.status_code in (302, 400)
    assert login(client, boss["username"]).status_code == 302
    form = _form(client, company, agent)
    del form["csrf_token"]
    assert client.post(GRANT, data=form).status_code == 400
    assert client.post(GRANT, data={**form, "csrf_token": "forged"}).status_code == 400
    assert [r.role for r in _links(app, company)] == ["legal"]


def test_an_old_login_must_log_in_again(app, client, unique, monkeypatch):
    from idp.agent_grants import RECENT_LOGIN
    from idp.pages import agent_grant

    boss, agent, company = _setup(app, unique)
    assert login(client, boss["username"]).status_code == 302
    form = _form(client, company, agent)
    later = utcnow() + RECENT_LOGIN + timedelta(minutes=1)
    monkeypatch.setattr(agent_grant, "utcnow", lambda: later)
    page = client.get("/account").get_data(as_text=True)
    assert 'id="authorise-login"' in page and 'name="id_number"' not in page
    response = client.post(GRANT, data=form)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/login?") and "force=1" in location
    assert [r.role for r in _links(app, company)] == ["legal"]
    monkeypatch.undo()  # the login it asks for makes the session recent again
    assert login(client, boss["username"], force=True).status_code == 302
    assert client.post(GRANT, data=_form(client, company, agent)).status_code == 302
    assert sorted(r.role for r in _links(app, company)) == ["agent", "legal"]


def test_a_person_with_a_second_factor_grants_only_at_loa_2(app, client, unique):
    import pyotp

    from tests.idp.accounts.factories import submit_code

    boss = make_person(app, unique, with_totp=True, display_name="李大明")
    agent = make_person(app, unique + "a", display_name="王小五")
    company = make_enterprise(app, unique)
    link(app, company, boss, "legal")
    assert login(client, boss["username"]).status_code == 302
    assert submit_code(client, pyotp.TOTP(boss["totp_secret"]).now()).status_code == 302
    assert client.post(GRANT, data=_form(client, company, agent)).status_code == 302
    assert [r.role for r in _links(app, company) if r.role == "agent"] == ["agent"]


def test_lookups_are_limited_per_grantor(app, client, unique):
    boss, agent, company = _setup(app, unique)
    assert login(client, boss["username"]).status_code == 302
    statuses = [client.post(GRANT, data=_form(client, company, agent, id_number=citizen_id())
                            ).status_code for _ in range(LOOKUPS_PER_HOUR)]
    assert statuses == [400] * LOOKUPS_PER_HOUR
    # Even the right person is not looked up once the budget is spent.
    throttled = client.post(GRANT, data=_form(client, company, agent))
    assert throttled.status_code == 429 and "Retry-After" in throttled.headers
    assert [r.role for r in _links(app, company)] == ["legal"]
