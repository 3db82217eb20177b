"""People: find, see, lock and unlock, by role, with direct requests and audit."""

from __future__ import annotations

import pytest

from idp import accounts
from idp.staff import AUDITOR, CLERK, DEPARTMENT_ADMIN, HALL_ADMIN, PLATFORM_ADMIN
from tests.admin.console.helpers import audit_entries, csrf_token, make_staff, staff_client
from tests.idp.accounts.factories import make_person


def _locked(app, sub: str) -> bool:
    with app.idp_services.work() as session:
        return accounts.get_by_sub(session, sub).locked


@pytest.mark.parametrize("role", [PLATFORM_ADMIN, CLERK, AUDITOR])
def test_find_by_id_number_and_see(app, places, role, unique):
    person = make_person(app, unique, display_name="赵市民")
    scope = places["hall"] if role == CLERK else ""
    client, member = staff_client(app, [(role, scope)])
    token = csrf_token(client, "/admin/people")
    found = client.post("/admin/people", data={"csrf_token": token,
                                               "q": person["id_number"].lower()})
    html = found.get_data(as_text=True)
    assert found.status_code == 200 and "赵市民" in html
    assert person["id_number"] not in html  # masked, and never in a URL
    entry, = audit_entries(app, "console.account.find", person["sub"])
    assert entry.actor == f"staff:{member['sub']}" and person["id_number"] not in str(entry.data)
    shown = client.get(f"/admin/people/{person['sub']}").get_data(as_text=True)
    assert "赵市民" in shown and ("/lock" in shown) == (role != AUDITOR)
    missing = client.post("/admin/people", data={"csrf_token": token, "q": "nobody-" + unique})
    assert missing.status_code == 200 and "赵市民" not in missing.get_data(as_text=True)
    assert client.post("/admin/people", data={"q": person["id_number"]}).status_code == 400
    assert client.get("/admin/people/no-such-sub").status_code == 404


@pytest.mark.parametrize("role", [DEPARTMENT_ADMIN, HALL_ADMIN])
def test_other_roles_may_not_search_people(app, places, role, unique):
    person = make_person(app, unique)
    scope = places["dept"] if role == DEPARTMENT_ADMIN else places["hall"]
    client, _ = staff_client(app, [(role, scope)])
    assert client.get("/admin/people").status_code == 403
    assert client.get(f"/admin/people/{person['sub']}").status_code == 403
    token = csrf_token(client)
    assert client.post("/admin/people", data={"csrf_token": token,
                                              "q": person["id_number"]}).status_code == 403
    answer = client.post(f"/admin/people/{person['sub']}/lock",
                         data={"csrf_token": token, "reason": "x"})
    assert answer.status_code == 403 and not _locked(app, person["sub"])
    assert "/admin/people" not in client.get("/admin/").get_data(as_text=True)


def test_clerk_locks_and_unlocks_a_citizen_audited(app, places, unique):
    person = make_person(app, unique)
    client, clerk = staff_client(app, [(CLERK, places["hall"])])
    token = csrf_token(client)
    no_reason = client.post(f"/admin/people/{person['sub']}/lock", data={"csrf_token": token})
    assert no_reason.status_code == 302 and not _locked(app, person["sub"])
    answer = client.post(f"/admin/people/{person['sub']}/lock",
                         data={"csrf_token": token, "reason": "证件遗失"})
    assert answer.status_code == 302 and _locked(app, person["sub"])
    entry, = audit_entries(app, "console.account.lock", person["sub"])
    assert entry.actor == f"staff:{clerk['sub']}"
    assert entry.data["role"] == CLERK and entry.data["reason"] == "证件遗失"
    client.post(f"/admin/people/{person['sub']}/unlock", data={"csrf_token": token})
    assert not _locked(app, person["sub"])
    assert len(audit_entries(app, "console.account.unlock", person["sub"])) == 1


def test_lock_needs_csrf(app, places, unique):
    person = make_person(app, unique)
    client, _ = staff_client(app, [(PLATFORM_ADMIN, "")])
    answer = client.post(f"/admin/people/{person['sub']}/lock", data={"reason": "x"})
    assert answer.status_code == 400 and not _locked(app, person["sub"])
    assert audit_entries(app, "console.account.lock", person["sub"]) == []


def test_auditor_may_not_lock_and_clerk_may_not_lock_staff(app, places, unique):
    person = make_person(app, unique)
    auditor, _ = staff_client(app, [(AUDITOR, "")])
    answer = auditor.post(f"/admin/people/{person['sub']}/lock",
                          data={"csrf_token": csrf_token(auditor), "reason": "x"})
    assert answer.status_code == 403 and not _locked(app, person["sub"])
    boss = make_staff(app, [(PLATFORM_ADMIN, "")])
    clerk, _ = staff_client(app, [(CLERK, places["hall"])])
    answer = clerk.post(f"/admin/people/{boss['sub']}/lock",
                        data={"csrf_token": csrf_token(clerk), "reason": "x"})
    assert answer.status_code == 403 and not _locked(app, boss["sub"])
    admin, _ = staff_client(app, [(PLATFORM_ADMIN, "")])
    answer = admin.post(f"/admin/people/{boss['sub']}/lock",
                        data={"csrf_token": csrf_token(admin), "reason": "离职"})
    assert answer.status_code == 302 and _locked(app, boss["sub"])
