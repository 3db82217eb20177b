"""Account help at the counter in the console (admin.console.recovery): a clerk's
reset and sessions, and everyone else refused, through pages and direct requests."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from idp.staff import AUDITOR, CLERK, DEPARTMENT_ADMIN, HALL_ADMIN, PLATFORM_ADMIN
from tests.admin.console.helpers import audit_entries, csrf_token, make_staff, staff_client
from tests.idp.accounts.factories import citizen_id, login, make_person
from tests.idp.recovery.helpers import NEW_PASSWORD, enter_code, other_client, set_password


@pytest.fixture(autouse=True)
def no_backchannel_worker_outlives_the_test(app):
    """Ending sessions wakes the app's back-channel worker; stop it with its test (see
    tests/idp/recovery/conftest.py)."""
    yield
    from tests.idp.services import backchannel_worker

    worker = backchannel_worker(app)
    if worker is not None:
        worker.stop()
        worker.join(timeout=15)


def _invalid_as_both(id_number: str) -> str:
    """``id_number`` with a wrong check character that is no valid credit code either
    (18 characters may be read as either; one wrong ID number in ~31 is a valid USCC)."""
    from identifiers import InvalidIdentifier, validate_citizen_id, validate_uscc

    for last in "0123456789X":
        candidate = id_number[:-1] + last
        if candidate == id_number:
            continue
        for validate in (validate_citizen_id, validate_uscc):
            try:
                validate(candidate)
                break
            except InvalidIdentifier:
                pass
        else:
            return candidate
    raise AssertionError("no candidate")


def _find(client, identifier: str):
    return client.post("/admin/recovery", data={
        "csrf_token": csrf_token(client, "/admin/recovery"), "identifier": identifier})


def _reset(client, sub: str, hall: str | None, what: str = "password", checked: bool = True):
    data = {"csrf_token": csrf_token(client, "/admin/recovery"), "what": what,
            "hall": hall or ""}
    if checked:
        data["id_checked"] = "1"
    return client.post(f"/admin/recovery/{sub}/reset", data=data)


def _code(response) -> str:
    return re.search(r'id="reset-code">([^<]+)<', response.get_data(as_text=True)).group(1)


def _codes(app, account_id: int) -> int:
    from idp.models.reset_codes import ResetCode

    with app.services.sessions() as session:
        return len(session.scalars(select(ResetCode).where(
            ResetCode.account_id == account_id)).all())


def test_a_clerks_reset_at_the_counter(app, places, unique):
    clerk, member = staff_client(app, [(CLERK, places["hall"])])
    person = make_person(app, unique, display_name="钱市民")
    assert clerk.get("/admin/recovery").status_code == 200
    found = _find(clerk, person["id_number"].lower())
    assert found.status_code == 303 and found.headers["Location"].endswith(person["sub"])
    assert audit_entries(app, "console.recovery.find", person["sub"])[-1].actor == \
        f"staff:{member['sub']}"
    page = clerk.get(found.headers["Location"]).get_data(as_text=True)
    assert "钱市民" in page and person["id_number"] not in page  # masked

    unchecked = _reset(clerk, person["sub"], places["hall"], checked=False)
    assert unchecked.status_code == 400 and _codes(app, person["id"]) == 0
    issued = _reset(clerk, person["sub"], places["hall"])
    assert issued.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in issued.get_data(as_text=True)
    assert issued.headers["Cache-Control"] == "no-store"
    entry = audit_entries(app, "operator.account.reset_issued", person["sub"])[-1]
    assert entry.actor == f"staff:{member['sub']}" and entry.data["role"] == CLERK
    assert entry.data["id_document_checked"] is True
    assert entry.data["hall"] == f"测试大厅 {places['hall']}"

    phone = other_client(app)
    assert enter_code(phone, person["username"], _code(issued)).status_code == 303
    assert set_password(phone).status_code == 200
    assert login(other_client(app), person["username"], NEW_PASSWORD).status_code == 302
    assert phone.get("/account").status_code == 302  # the reset signed everyone out
    assert login(phone, person["username"], NEW_PASSWORD).status_code == 302
    mine = phone.get("/account", query_string={"ui_locales": "zh-CN"}).get_data(as_text=True)
    assert f"测试大厅 {places['hall']} 柜员 测试员工 核验身份证件后签发了密码重置码。" in mine


def test_a_clerk_may_not_name_another_hall_or_none(app, places, unique):
    clerk, _ = staff_client(app, [(CLERK, places["hall"])])
    person = make_person(app, unique)
    assert _reset(clerk, person["sub"], places["other_hall"]).status_code == 403
    assert _reset(clerk, person["sub"], None).status_code == 403
    assert _codes(app, person["id"]) == 0


def test_a_platform_administrator_may_reset_without_a_hall(app, unique):
    admin, member = staff_client(app, [(PLATFORM_ADMIN, "")])
    person = make_person(app, unique)
    issued = _reset(admin, person["sub"], None, what="both")
    assert issued.status_code == 200
    entry = audit_entries(app, "operator.account.reset_issued", person["sub"])[-1]
    assert entry.data["hall"] is None and entry.data["role"] == PLATFORM_ADMIN
    assert (entry.data["password"], entry.data["totp"]) == (True, True)


def test_bad_input_is_answered_readably(app, places, unique):
    clerk, _ = staff_client(app, [(CLERK, places["hall"])])
    person = make_person(app, unique)
    broken = _invalid_as_both(person["id_number"])
    assert _find(clerk, broken).status_code == 400
    assert _find(clerk, person["username"]).status_code == 400
    assert _find(clerk, citizen_id()).status_code == 404
    assert _reset(clerk, person["sub"], places["hall"], what="everything").status_code == 400
    assert clerk.get("/admin/recovery/no-such-sub").status_code == 404


def test_staff_accounts_are_not_helped_here(app, places):
    from idp.models.accounts import Account

    clerk, _ = staff_client(app, [(CLERK, places["hall"])])
    admin, _ = staff_client(app, [(PLATFORM_ADMIN, "")])
    target = make_staff(app, [(PLATFORM_ADMIN, "")])
    number = citizen_id()
    with app.services.sessions.begin() as session:
        session.get(Account, target["id"]).id_number = number
    assert _find(clerk, number).status_code == 403
    for client in (clerk, admin):
        assert client.get(f"/admin/recovery/{target['sub']}").status_code == 403
        assert _reset(client, target["sub"], None).status_code == 403
    assert _codes(app, target["id"]) == 0


@pytest.mark.parametrize("role", [AUDITOR, HALL_ADMIN, DEPARTMENT_ADMIN])
def test_other_roles_are_refused_pages_and_direct_requests(app, places, role, unique):
    scope = {HALL_ADMIN: places["hall"], DEPARTMENT_ADMIN: places["dept"]}.get(role, "")
    client, _ = staff_client(app, [(role, scope)])
    person = make_person(app, unique)
    token = csrf_token(client)
    assert client.get("/admin/recovery").status_code == 403
    assert client.get(f"/admin/recovery/{person['sub']}").status_code == 403
    for path, data in (("/admin/recovery", {"identifier": person["id_number"]}),
                       (f"/admin/recovery/{person['sub']}/reset",
                        {"what": "password", "hall": places["hall"], "id_checked": "1"}),
                       (f"/admin/recovery/{person['sub']}/sessions/end", {})):
        assert client.post(path, data={"csrf_token": token, **data}).status_code == 403, path
    assert _codes(app, person["id"]) == 0
    assert 'href="/admin/recovery"' not in client.get("/admin/").get_data(as_text=True)


def test_without_a_console_session_nothing_is_reached(app, unique):
    person = make_person(app, unique)
    anonymous = app.test_client()
    assert anonymous.get("/admin/recovery").status_code == 302
    assert anonymous.post(f"/admin/recovery/{person['sub']}/reset",
                          data={"what": "password"}).status_code in (400, 401)
    assert _codes(app, person["id"]) == 0


def test_a_clerk_ends_one_session_then_all(app, places, unique):
    clerk, member = staff_client(app, [(CLERK, places["hall"])])
    person = make_person(app, unique)
    laptop, phone = other_client(app), other_client(app)
    phone.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (Linux; Android 14) Mobile"
    assert login(laptop, person["username"]).status_code == 302
    assert login(phone, person["username"]).status_code == 302
    page = clerk.get(f"/admin/recovery/{person['sub']}").get_data(as_text=True)
    assert "Android 上的浏览器" in page and "Mozilla" not in page  # named, not the raw header
    sids = re.findall(r'name="sid" value="([^"]+)"', page)
    assert len(sids) == 2
    token = csrf_token(clerk, "/admin/recovery")
    ended = clerk.post(f"/admin/recovery/{person['sub']}/sessions/end",
                       data={"csrf_token": token, "sid": sids[0]})
    assert ended.status_code == 303
    assert [laptop.get("/account").status_code, phone.get("/account").status_code].count(302) == 1
    foreign = clerk.post(f"/admin/recovery/{person['sub']}/sessions/end",
                         data={"csrf_token": token, "sid": "not-a-live-sid"})
    assert foreign.status_code == 404
    assert clerk.post(f"/admin/recovery/{person['sub']}/sessions/end",
                      data={"csrf_token": token}).status_code == 303
    assert laptop.get("/account").status_code == phone.get("/account").status_code == 302
    entries = audit_entries(app, "operator.account.sessions_ended", person["sub"])
    assert [(e.data["sessions"], e.data["all"]) for e in entries] == [(1, False), (1, True)]
    assert all(e.actor == f"staff:{member['sub']}" for e in entries)


def test_the_people_page_links_here_for_citizens(app, places, unique):
    clerk, _ = staff_client(app, [(CLERK, places["hall"])])
    person = make_person(app, unique)
    shown = clerk.get(f"/admin/people/{person['sub']}").get_data(as_text=True)
    assert f"/admin/recovery/{person['sub']}" in shown


def test_a_lock_on_the_people_page_is_on_the_persons_account_page(app, places, unique):
    clerk, _ = staff_client(app, [(CLERK, places["hall"])])
    person = make_person(app, unique)
    token = csrf_token(clerk, "/admin/recovery")
    assert clerk.post(f"/admin/people/{person['sub']}/lock",
                      data={"csrf_token": token, "reason": "本人挂失"}).status_code == 302
    assert clerk.post(f"/admin/people/{person['sub']}/unlock",
                      data={"csrf_token": token}).status_code == 302
    browser = other_client(app)
    assert login(browser, person["username"]).status_code == 302
    page = browser.get("/account", query_string={"ui_locales": "zh-CN"}).get_data(as_text=True)
    assert "账号由 测试员工 锁定。" in page and "账号由 测试员工 解锁。" in page


def test_an_enterprise_page_offers_no_reset_and_refuses_one(app, places, unique):
    from tests.idp.recovery.test_counter_reset import _enterprise

    clerk, _ = staff_client(app, [(CLERK, places["hall"])])
    enterprise = _enterprise(app, unique)
    found = _find(clerk, enterprise["uscc"])
    assert found.status_code == 303
    page = clerk.get(found.headers["Location"]).get_data(as_text=True)
    assert 'name="what"' not in page
    assert _reset(clerk, enterprise["sub"], places["hall"]).status_code == 403
    assert _codes(app, enterprise["id"]) == 0
