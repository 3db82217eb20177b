"""Who may reach the dashboard and its charts, by direct request (not via pages)."""

from __future__ import annotations

import pytest

from idp.staff import AUDITOR, CLERK, DEPARTMENT_ADMIN, HALL_ADMIN, PLATFORM_ADMIN
from tests.admin.console.helpers import make_staff, staff_client

#: chart -> roles that may read it (over their own scope)
CHARTS = {"logins": {PLATFORM_ADMIN, AUDITOR},
          "halls": {PLATFORM_ADMIN, AUDITOR, HALL_ADMIN, CLERK},
          "issuances": {PLATFORM_ADMIN, AUDITOR, DEPARTMENT_ADMIN},
          "verifications": {PLATFORM_ADMIN, AUDITOR, DEPARTMENT_ADMIN},
          "failures": {PLATFORM_ADMIN, AUDITOR, DEPARTMENT_ADMIN}}


def grant_for(role: str, places: dict) -> list[tuple[str, str]]:
    scope = {DEPARTMENT_ADMIN: places["dept"], HALL_ADMIN: places["hall"],
             CLERK: places["hall"]}.get(role, "")
    return [(role, scope)]


def test_anonymous_get_goes_to_sign_in_and_post_is_refused(client):
    page = client.get("/admin/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/admin/login")
    chart = client.get("/admin/charts/logins.svg")
    assert chart.status_code == 302
    sign_in = client.get("/admin/login")
    assert sign_in.status_code == 302
    assert "/oauth/authorize?" in sign_in.headers["Location"]
    assert "acr_values=loa-2" in sign_in.headers["Location"]


@pytest.mark.parametrize("role", [PLATFORM_ADMIN, DEPARTMENT_ADMIN, HALL_ADMIN, CLERK, AUDITOR])
def test_each_role_reads_only_its_charts(app, places, role):
    client, _ = staff_client(app, grant_for(role, places))
    page = client.get("/admin/")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    for name, roles in CHARTS.items():
        answer = client.get(f"/admin/charts/{name}.svg")
        if role in roles:
            assert answer.status_code == 200, name
            assert answer.mimetype == "image/svg+xml"
            assert b"<script" not in answer.data
            assert f"/admin/charts/{name}.svg" in html
        else:
            assert answer.status_code == 403, name
            assert f"/admin/charts/{name}.svg" not in html
    assert client.get("/admin/charts/nothing.svg").status_code == 404


def test_health_and_keys_only_for_those_who_may_see_them(app, places):
    admin, _ = staff_client(app, [(PLATFORM_ADMIN, "")])
    html = admin.get("/admin/").get_data(as_text=True)
    assert 'id="health-title"' in html and 'id="keys-title"' in html
    clerk, _ = staff_client(app, grant_for(CLERK, places))
    html = clerk.get("/admin/").get_data(as_text=True)
    assert 'id="health-title"' not in html and 'id="keys-title"' not in html


def test_staff_without_role_and_citizen_are_not_signed_in(app):
    from tests.admin.console.helpers import live_sso_session, signed_in

    nobody = make_staff(app, [])
    client = app.test_client()
    signed_in(client, nobody["sub"], live_sso_session(app, nobody["id"]))
    assert client.get("/admin/").status_code == 302
