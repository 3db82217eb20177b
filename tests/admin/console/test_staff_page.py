"""Staff and halls in the console: platform administrators manage every role and hall;
a hall administrator only its own hall's clerks; others are refused (direct requests)."""

from __future__ import annotations

import secrets

import pytest

from idp import accounts, staff
from idp.staff import AUDITOR, CLERK, DEPARTMENT_ADMIN, HALL_ADMIN, PLATFORM_ADMIN
from tests.admin.console.helpers import audit_entries, csrf_token, make_staff, staff_client


def _grants(app, sub: str) -> list[tuple[str, str]]:
    with app.idp_services.work() as session:
        return [(g.role, g.scope) for g in
                staff.grants_of(session, accounts.get_by_sub(session, sub))]


def _post(client, path: str, **form):
    return client.post(path, data={"csrf_token": csrf_token(client, "/admin/staff"), **form})


def test_hall_admin_manages_its_own_clerks_only(app, places):
    client, admin = staff_client(app, [(HALL_ADMIN, places["hall"])])
    newcomer = make_staff(app, [])
    answer = _post(client, "/admin/staff/grant", account=newcomer["username"], role=CLERK,
                   scope=places["hall"])
    assert answer.status_code == 302 and _grants(app, newcomer["sub"]) == \
        [(CLERK, places["hall"])]
    entry, = audit_entries(app, "console.staff.grant", newcomer["sub"])
    assert entry.actor == f"staff:{admin['sub']}" and entry.data["role"] == HALL_ADMIN
    # another hall, or a role above a clerk: refused before anything is looked up
    for role, scope in ((CLERK, places["other_hall"]), (HALL_ADMIN, places["hall"]),
                        (PLATFORM_ADMIN, ""), (AUDITOR, "")):
        refused = _post(client, "/admin/staff/grant", account=newcomer["username"], role=role,
                        scope=scope)
        assert refused.status_code == 403, (role, scope)
    assert _grants(app, newcomer["sub"]) == [(CLERK, places["hall"])]
    html = client.get("/admin/staff").get_data(as_text=True)
    assert newcomer["username"] in html
    other = make_staff(app, [(CLERK, places["other_hall"])])
    assert other["username"] not in html  # the other hall's clerks are not listed
    assert _post(client, "/admin/staff/revoke", account=other["username"], role=CLERK,
                 scope=places["other_hall"]).status_code == 403
    assert _grants(app, other["sub"]) == [(CLERK, places["other_hall"])]
    answer = _post(client, "/admin/staff/revoke", account=newcomer["username"], role=CLERK,
                   scope=places["hall"])
    assert answer.status_code == 302 and _grants(app, newcomer["sub"]) == []
    assert len(audit_entries(app, "console.staff.revoke", newcomer["sub"])) == 1
    assert _post(client, "/admin/staff/halls", code="x-" + secrets.token_hex(3), name="x",
                 level="town").status_code == 403


def test_platform_admin_grants_any_role_and_registers_halls(app, places):
    client, _ = staff_client(app, [(PLATFORM_ADMIN, "")])
    newcomer = make_staff(app, [])
    assert _post(client, "/admin/staff/grant", account=newcomer["username"],
                 role=DEPARTMENT_ADMIN, scope=places["dept"]).status_code == 302
    assert _grants(app, newcomer["sub"]) == [(DEPARTMENT_ADMIN, places["dept"])]
    bad = _post(client, "/admin/staff/grant", account=newcomer["username"],
                role=DEPARTMENT_ADMIN, scope="nodept")
    assert bad.status_code == 302 and "没有这个代码的部门" in client.get("/admin/staff").get_data(
        as_text=True)
    code = "hall-" + secrets.token_hex(3)
    assert _post(client, "/admin/staff/halls", code=code, name="黄埔区政务服务中心",
                 level="county", region="广州市黄埔区").status_code == 302
    assert len(audit_entries(app, "console.hall.add", code)) == 1
    assert _post(client, "/admin/staff/halls/edit", code=code, disabled="1").status_code == 302
    html = client.get("/admin/staff").get_data(as_text=True)
    assert code in html and "黄埔区政务服务中心" in html
    assert len(audit_entries(app, "console.hall.edit", code)) == 1


def test_roles_only_for_staff_and_unknown_accounts_are_said(app, unique):
    from tests.idp.accounts.factories import make_person

    person = make_person(app, unique)
    client, _ = staff_client(app, [(PLATFORM_ADMIN, "")])
    _post(client, "/admin/staff/grant", account=person["username"], role=AUDITOR, scope="")
    assert "只有工作人员账户可以拥有角色" in client.get("/admin/staff").get_data(as_text=True)
    _post(client, "/admin/staff/grant", account="nobody-" + unique, role=AUDITOR, scope="")
    page = client.get("/admin/staff").get_data(as_text=True)
    assert "没有这个工作人员账户" in page
    _post(client, "/admin/staff/halls", code="Bad Code!", name="x", level="town")
    assert "2-32" in client.get("/admin/staff").get_data(as_text=True)
    assert _post(client, "/admin/staff/grant", account="x", role="janitor").status_code == 400


@pytest.mark.parametrize("role", [AUDITOR, CLERK, DEPARTMENT_ADMIN])
def test_others_may_not_change_roles(app, places, role):
    scope = {CLERK: places["hall"], DEPARTMENT_ADMIN: places["dept"]}.get(role, "")
    client, _ = staff_client(app, [(role, scope)])
    target = make_staff(app, [])
    answer = _post(client, "/admin/staff/grant", account=target["username"], role=CLERK,
                   scope=places["hall"])
    assert answer.status_code == 403 and _grants(app, target["sub"]) == []
    assert client.get("/admin/staff").status_code == (200 if role == AUDITOR else 403)
