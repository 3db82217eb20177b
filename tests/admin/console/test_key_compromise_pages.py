"""The keys section's owner pages, schedules, department registration, revocation
after the impact report and re-issue: who may do what (by direct request, not only
through pages), each action audited."""

from __future__ import annotations

import pytest

from admin import key_admin
from idp.staff import AUDITOR, CLERK, DEPARTMENT_ADMIN, HALL_ADMIN, PLATFORM_ADMIN
from tests.admin.console.helpers import audit_entries, csrf_token, staff_client
from tests.credentials.helpers import dept_headers, make_department, uscc


@pytest.fixture
def depts(app, unique):
    """Two departments with keys, the first with two licences in force."""
    mine, other = make_department(app, unique + "m"), make_department(app, unique + "o")
    client = app.test_client()
    for _ in range(2):
        answer = client.post("/api/v1/licenses", json=mine.body(),
                             headers=dept_headers(app, mine))
        assert answer.status_code == 201, answer.get_json()
    return mine, other


def active_kid(app, code: str) -> str:
    return next(r.kid for r in app.services.keyring.records(f"dept:{code}")
                if r.state == "active")


def states(app, code: str) -> dict[str, str]:
    return {r.kid: str(r.state) for r in app.services.keyring.records(f"dept:{code}")}


def post(client, path: str, **form):
    return client.post(path, data={"csrf_token": csrf_token(client, "/admin/keys"), **form})


def test_staff_without_a_keys_role_are_refused(app, places):
    for role, scope in ((CLERK, places["hall"]), (HALL_ADMIN, places["hall"])):
        client, _ = staff_client(app, [(role, scope)])
        assert client.get("/admin/keys").status_code == 403
        assert client.get("/admin/keys/owners/provider").status_code == 403
        assert 'href="/admin/keys"' not in client.get("/admin/").get_data(as_text=True)
        assert client.get("/admin/keys/departments/new").status_code == 403


def test_a_department_administrator_sees_and_changes_only_their_own_keys(app, depts):
    mine, other = depts
    client, _ = staff_client(app, [(DEPARTMENT_ADMIN, mine.code)])
    html = client.get("/admin/keys").get_data(as_text=True)
    assert f"dept:{mine.code}" in html and f"dept:{other.code}" not in html
    assert "/admin/keys/owners/provider" not in html
    assert client.get(f"/admin/keys/owners/dept:{mine.code}").status_code == 200
    for owner in (f"dept:{other.code}", "provider", "audit"):
        assert client.get(f"/admin/keys/owners/{owner}").status_code == 403, owner
    before = states(app, other.code)
    theirs = active_kid(app, other.code)
    assert post(client, "/admin/keys/rotate", owner=f"dept:{other.code}", alg="ES256",
                prepublish="0").status_code == 403
    assert post(client, f"/admin/keys/owners/dept:{other.code}/schedule",
                every="90d").status_code == 403
    assert client.get(f"/admin/keys/{theirs}/revoke").status_code == 403
    assert post(client, f"/admin/keys/{theirs}/revoke", confirm=theirs[:8]).status_code == 403
    assert post(client, f"/admin/keys/{theirs}/reissue").status_code == 403
    assert states(app, other.code) == before
    assert post(client, "/admin/keys/rotate", owner="provider", alg="RS256").status_code == 403
    assert client.get("/admin/keys/departments/new").status_code == 403
    assert post(client, "/admin/keys/departments", code="x", name="x",
                uscc=uscc()).status_code == 403


def test_an_auditor_reads_every_key_and_changes_none(app, depts):
    mine, _ = depts
    client, _ = staff_client(app, [(AUDITOR, "")])
    html = client.get("/admin/keys").get_data(as_text=True)
    assert f"dept:{mine.code}" in html and "/admin/keys/owners/provider" in html
    page = client.get(f"/admin/keys/owners/dept:{mine.code}").get_data(as_text=True)
    assert "/admin/keys/rotate" not in page and "/revoke" not in page
    kid = active_kid(app, mine.code)
    before = states(app, mine.code)
    assert post(client, "/admin/keys/rotate", owner=f"dept:{mine.code}", alg="ES256",
                prepublish="0").status_code == 403
    assert client.get(f"/admin/keys/{kid}/revoke").status_code == 403
    assert post(client, f"/admin/keys/{kid}/revoke", confirm=kid[:8]).status_code == 403
    assert states(app, mine.code) == before


def test_revoke_shows_the_impact_then_revokes_and_reissues(app, depts):
    mine, _ = depts
    client, member = staff_client(app, [(DEPARTMENT_ADMIN, mine.code)])
    kid = active_kid(app, mine.code)
    form = client.get(f"/admin/keys/{kid}/revoke").get_data(as_text=True)
    assert 'id="impact-total">2<' in form and mine.type_code in form
    wrong = post(client, f"/admin/keys/{kid}/revoke", confirm="nope")
    assert wrong.status_code == 302 and states(app, mine.code)[kid] == "active"

    done = post(client, f"/admin/keys/{kid}/revoke", confirm=kid[:8])
    assert done.status_code == 302 and states(app, mine.code)[kid] == "revoked"
    (entry,) = audit_entries(app, "console.key.revoke", kid)
    assert entry.actor == f"staff:{member['sub']}" and entry.data["licences_in_force"] == 2
    assert entry.data["role"] == DEPARTMENT_ADMIN

    # No signer yet: the re-issue says so and changes nothing.
    stuck = post(client, f"/admin/keys/{kid}/reissue")
    assert stuck.status_code == 302
    page = client.get(stuck.headers["Location"]).get_data(as_text=True)
    assert 'id="impact-total">2<' in page
    assert post(client, "/admin/keys/rotate", owner=f"dept:{mine.code}", alg="ES256",
                prepublish="0", back="owner").status_code == 302
    assert post(client, f"/admin/keys/{kid}/reissue").status_code == 302
    page = client.get(f"/admin/keys/{kid}/revoke").get_data(as_text=True)
    assert 'id="impact-total">0<' in page
    (entry,) = audit_entries(app, "console.licenses.reissue", kid)
    assert entry.data["reissued"] == 2
    assert post(client, f"/admin/keys/{kid}/reissue").status_code == 302
    assert [e.data["reissued"] for e in audit_entries(app, "console.licenses.reissue",
                                                      kid)] == [2, 0]


def test_rotation_on_a_schedule_is_set_checked_and_stopped(app, depts):
    mine, _ = depts
    owner = f"dept:{mine.code}"
    client, _ = staff_client(app, [(DEPARTMENT_ADMIN, mine.code)])
    bad = post(client, f"/admin/keys/owners/{owner}/schedule", every="1h")
    assert bad.status_code == 302 and key_admin.schedules(app.services).get(owner) is None
    assert post(client, f"/admin/keys/owners/{owner}/schedule", every="90d",
                prepublish="7d").status_code == 302
    saved = key_admin.schedules(app.services).get(owner)
    assert saved.every.days == 90 and saved.prepublish.days == 7
    assert audit_entries(app, "console.key.schedule", owner)
    page = client.get(f"/admin/keys/owners/{owner}").get_data(as_text=True)
    assert saved.next_rotation_at.date().isoformat() in page
    assert post(client, f"/admin/keys/owners/{owner}/schedule", off="1").status_code == 302
    assert key_admin.schedules(app.services).get(owner) is None


def test_a_platform_administrator_registers_a_department_with_its_key(app, unique):
    client, _ = staff_client(app, [(PLATFORM_ADMIN, "")])
    assert client.get("/admin/keys/departments/new").status_code == 200
    bad = post(client, "/admin/keys/departments", code=f"n{unique}", name="新厅",
               uscc="not-a-code")
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.get_data(as_text=True)
    assert app.services.keyring.records(f"dept:n{unique}") == []
    made = post(client, "/admin/keys/departments", code=f"n{unique}", name="新厅", uscc=uscc())
    assert made.status_code == 302
    assert [r.state for r in app.services.keyring.records(f"dept:n{unique}")] == ["active"]
    assert audit_entries(app, "console.department.add", f"n{unique}")


def test_posts_without_the_csrf_token_are_refused(app, depts):
    mine, _ = depts
    client, _ = staff_client(app, [(PLATFORM_ADMIN, "")])
    before = states(app, mine.code)
    answer = client.post("/admin/keys/rotate", data={"owner": f"dept:{mine.code}",
                                                     "alg": "ES256", "prepublish": "0"})
    assert answer.status_code == 400 and states(app, mine.code) == before


def test_the_pages_are_chinese_first_and_work_on_a_phone(app, depts):
    mine, _ = depts
    client, _ = staff_client(app, [(PLATFORM_ADMIN, "")])
    html = client.get("/admin/keys").get_data(as_text=True)
    assert "下次计划轮换" in html and "登记部门" in html and 'name="viewport"' in html
    kid = active_kid(app, mine.code)
    html = client.get(f"/admin/keys/{kid}/revoke").get_data(as_text=True)
    assert "由其签名的有效证照" in html and "吊销此密钥" in html
    english = client.get(f"/admin/keys/{kid}/revoke?ui_locales=en").get_data(as_text=True)
    assert "Licences in force it signed" in english


def test_the_dashboard_lists_a_key_by_its_owners_schedule(app, depts):
    """A department rotating on a schedule is due when the schedule says (here within
    the dashboard's 14 days), not by ONEGATE_KEY_ROTATE_EVERY (90 days)."""
    from datetime import timedelta

    from admin.console import key_ages
    from edge.timestamps import utcnow

    mine, _ = depts
    owner = f"dept:{mine.code}"
    kid = active_kid(app, mine.code)
    records = app.services.keyring.records(owner)
    assert key_ages.due_for_rotation(records, 90 * 86400, utcnow()) == []
    key_admin.set_schedule(app.services, owner, timedelta(days=10), timedelta(days=1))
    client, _ = staff_client(app, [(DEPARTMENT_ADMIN, mine.code)])
    html = client.get("/admin/").get_data(as_text=True)
    assert kid[:12] in html
