"""Operators' licence search, history, uses and actions, within a department scope."""

from __future__ import annotations

import pytest

from credentials import licence_admin, licence_search
from credentials.errors import InvalidTransition, NotFound, ValidationFailed
from credentials.licence_search import LicenceQuery
from credentials.models import Licence
from tests.credentials.catalogue_helpers import second_department
from tests.credentials.helpers import dept_headers

STAFF = "staff:dept-admin-1"


@pytest.fixture
def two_departments(app, client, dept, unique):
    other = second_department(app, unique, dept)
    issued = {}
    for d in (dept, other, dept):
        body = client.post("/api/v1/licenses", json=d.body(),
                           headers=dept_headers(app, d)).get_json()
        issued.setdefault(d.code, []).append(body)
    return dept, other, issued


def _search(app, scope, **criteria):
    with app.services.sessions() as session:
        page = licence_search.search(session, LicenceQuery(**criteria), scope=scope)
        return page.total, [lic.identifier for lic in page.items]


def test_search_by_each_criterion_within_scope(app, two_departments):
    dept, other, issued = two_departments
    mine = [lic["identifier"] for lic in issued[dept.code]]
    theirs = issued[other.code][0]
    assert _search(app, [dept.code], type_code=dept.type_code) == (2, mine[::-1])
    assert _search(app, None, type_code=dept.type_code)[0] == 3
    holder = theirs["holder"]["number"]
    assert _search(app, None, holder=holder)[1] == [theirs["identifier"]]
    # Another department's licence is invisible in scope, by any criterion.
    assert _search(app, [dept.code], holder=holder) == (0, [])
    assert _search(app, [dept.code], identifier=theirs["identifier"]) == (0, [])
    assert _search(app, [dept.code], department=other.code) == (0, [])
    assert _search(app, None, department=other.code, state="valid")[0] == 1
    assert _search(app, None, department=other.code, state="revoked")[0] == 0
    paged = _search(app, [dept.code], type_code=dept.type_code, limit=1, offset=1)
    assert paged == (2, [mine[0]])


@pytest.mark.parametrize("criteria, field", [
    ({"identifier": "1.2.3"}, "identifier"), ({"holder": "123"}, "holder"),
    ({"state": "lost"}, "state"), ({"limit": 0}, "limit"), ({"limit": 10_000}, "limit"),
    ({"offset": -1}, "offset")])
def test_bad_search_criteria_name_the_field(app, criteria, field):
    with pytest.raises(ValidationFailed) as caught:
        _search(app, None, **criteria)
    assert [e.field for e in caught.value.errors] == [field]


def test_actions_record_reason_and_actor_and_show_in_history(app, two_departments):
    dept, _, issued = two_departments
    identifier = issued[dept.code][0]["identifier"]
    now = app.credentials_services.clock()
    for action, reason in (("suspend", "待核查"), ("reinstate", "核查无误"),
                           ("revoke", "申请注销")):
        with app.services.sessions.begin() as session:
            licence_admin.act(session, identifier, action, reason, scope=[dept.code],
                              actor=STAFF, now=now)
    with app.services.sessions() as session:
        licence = session.get(Licence, identifier)
        assert (licence.state, licence.state_reason) == ("revoked", "申请注销")
        shown = licence_admin.details(session, licence, uses=[])
    assert [(h["action"], h["actor"], h["reason"]) for h in shown["history"]] == [
        ("issue", f"client:{dept.client_id}", None), ("suspend", STAFF, "待核查"),
        ("reinstate", STAFF, "核查无误"), ("revoke", STAFF, "申请注销")]
    assert shown["history"][3]["from"] == "valid" and shown["history"][3]["to"] == "revoked"


def test_revoking_twice_is_a_conflict_and_records_nothing(app, two_departments):
    dept, _, issued = two_departments
    identifier = issued[dept.code][0]["identifier"]
    now = app.credentials_services.clock()
    with app.services.sessions.begin() as session:
        licence_admin.act(session, identifier, "revoke", "一次", scope=None, actor=STAFF, now=now)
    with app.services.sessions() as session, pytest.raises(InvalidTransition) as caught:
        licence_admin.act(session, identifier, "revoke", "两次", scope=None, actor=STAFF,
                          now=now)
    assert caught.value.status == 409 and caught.value.errors[0].reason == "is_revoked"
    with app.services.sessions() as session:
        history = licence_admin.history(session, session.get(Licence, identifier))
        assert [h["action"] for h in history] == ["issue", "revoke"]


@pytest.mark.parametrize("reason", [None, "", "  ", "x" * 501, "bad\x07"])
def test_an_action_without_a_usable_reason_changes_nothing(app, two_departments, reason):
    dept, _, issued = two_departments
    identifier = issued[dept.code][0]["identifier"]
    with app.services.sessions() as session, pytest.raises(ValidationFailed) as caught:
        licence_admin.act(session, identifier, "revoke", reason, scope=None, actor=STAFF,
                          now=app.credentials_services.clock())
    assert caught.value.errors[0].field == "reason"
    with app.services.sessions() as session:
        assert session.get(Licence, identifier).state == "valid"


def test_acting_outside_the_scope_is_not_found(app, two_departments):
    dept, other, issued = two_departments
    theirs = issued[other.code][0]["identifier"]
    with app.services.sessions() as session:
        with pytest.raises(NotFound):
            licence_admin.act(session, theirs, "revoke", "越权", scope=[dept.code], actor=STAFF,
                              now=app.credentials_services.clock())
        with pytest.raises(NotFound):
            licence_search.get_in_scope(session, theirs, [dept.code])
    with app.services.sessions() as session:
        assert session.get(Licence, theirs).state == "valid"


def test_uses_come_from_verify(app, client, two_departments):
    from verify import uses

    dept, _, issued = two_departments
    identifier = issued[dept.code][0]["identifier"]
    with app.services.sessions.begin() as session:
        uses.record(session, uses.Use("verify", dept.client_id, "王五", identifier, None,
                                      "窗口核验", "valid"))
    with app.services.sessions() as session:
        found = app.credentials_services.licence_uses(session, identifier, 10)
    assert [(u["kind"], u["purpose"], u["staff"]) for u in found] == [
        ("verify", "窗口核验", "王五")]
