"""Keys: listing by scope, rotate now within one's authority, audited."""

from __future__ import annotations

import pytest

from idp.staff import AUDITOR, CLERK, DEPARTMENT_ADMIN, HALL_ADMIN, PLATFORM_ADMIN
from keys import KeyState
from tests.admin.console.helpers import audit_entries, csrf_token, staff_client


@pytest.fixture
def dept_keys(app, places):
    ring = app.services.keyring
    mine = ring.ensure(f"dept:{places['dept']}", "ES256").kid
    theirs = ring.ensure(f"dept:{places['other_dept']}", "ES256").kid
    return mine, theirs


def _next_keys(app, owner: str) -> int:
    return sum(1 for r in app.services.keyring.records(owner) if r.state == KeyState.NEXT)


def test_platform_admin_and_auditor_see_every_key(app, dept_keys):
    provider = app.services.keyring.signer("provider", "RS256").kid
    for role in (PLATFORM_ADMIN, AUDITOR):
        client, _ = staff_client(app, [(role, "")])
        html = client.get("/admin/keys").get_data(as_text=True)
        assert provider in html and dept_keys[0] in html and dept_keys[1] in html
        assert ('action="/admin/keys/rotate"' in html) == (role == PLATFORM_ADMIN)


def test_department_admin_sees_and_rotates_only_its_own(app, places, dept_keys):
    client, member = staff_client(app, [(DEPARTMENT_ADMIN, places["dept"])])
    html = client.get("/admin/keys").get_data(as_text=True)
    provider = app.services.keyring.signer("provider", "RS256").kid
    assert dept_keys[0] in html and dept_keys[1] not in html and provider not in html
    token = csrf_token(client, "/admin/keys")
    mine, theirs = f"dept:{places['dept']}", f"dept:{places['other_dept']}"
    before = _next_keys(app, theirs)
    assert client.post("/admin/keys/rotate", data={"csrf_token": token, "owner": theirs,
                                                   "alg": "ES256"}).status_code == 403
    assert client.post("/admin/keys/rotate", data={"csrf_token": token, "owner": "provider",
                                                   "alg": "RS256"}).status_code == 403
    assert _next_keys(app, theirs) == before
    assert client.post("/admin/keys/rotate", data={"csrf_token": token, "owner": mine,
                                                   "alg": "RS256"}).status_code == 400
    answer = client.post("/admin/keys/rotate", data={"csrf_token": token, "owner": mine,
                                                     "alg": "ES256"})
    assert answer.status_code == 302 and _next_keys(app, mine) == 1
    entry, = [e for e in audit_entries(app, "console.key.rotate") if e.data["owner"] == mine]
    assert entry.actor == f"staff:{member['sub']}" and entry.data["role"] == DEPARTMENT_ADMIN


@pytest.mark.parametrize("role", [AUDITOR, CLERK, HALL_ADMIN])
def test_others_may_not_rotate(app, places, role, dept_keys):
    scope = places["hall"] if role in (CLERK, HALL_ADMIN) else ""
    client, _ = staff_client(app, [(role, scope)])
    owner = f"dept:{places['dept']}"
    answer = client.post("/admin/keys/rotate", data={"csrf_token": csrf_token(client),
                                                     "owner": owner, "alg": "ES256"})
    assert answer.status_code == 403 and _next_keys(app, owner) == 0
    assert client.get("/admin/keys").status_code == (200 if role == AUDITOR else 403)


def test_bad_owner_is_400_not_500(app):
    client, _ = staff_client(app, [(PLATFORM_ADMIN, "")])
    token = csrf_token(client)
    for owner in ("", "nobody", "dept:"):
        assert client.post("/admin/keys/rotate", data={"csrf_token": token, "owner": owner,
                                                       "alg": "ES256"}).status_code == 400
    assert client.post("/admin/keys/rotate", data={"csrf_token": token, "owner": "dept:nodept",
                                                   "alg": "ES256"}).status_code == 404
