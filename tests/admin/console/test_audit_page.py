"""The audit trail page: auditors and platform administrators only, paged, filtered."""

from __future__ import annotations

import secrets

import pytest

from audit import log
from idp.staff import AUDITOR, CLERK, DEPARTMENT_ADMIN, HALL_ADMIN, PLATFORM_ADMIN
from tests.admin.console.helpers import staff_client


def _entries(app, count: int, action: str) -> None:
    with app.services.unit_of_work.scope():
        session = app.services.unit_of_work.session()
        for n in range(count):
            log.append(session, actor="test:paging", action=action, subject=f"s{n}", data={"n": n})


def test_paging_and_filters(app):
    action = "test.paging." + secrets.token_hex(3)
    _entries(app, 60, action)
    client, _ = staff_client(app, [(AUDITOR, "")])
    first = client.get("/admin/audit", query_string={"action": action}).get_data(as_text=True)
    assert first.count(f">{action}</td>") == 50 and ">s59<" in first and ">s9<" not in first
    assert 'rel="next"' in first
    before = first.split("before=", 1)[1].split("&", 1)[0].split('"', 1)[0]
    second = client.get("/admin/audit", query_string={"action": action, "before": before})
    html = second.get_data(as_text=True)
    assert html.count(f">{action}</td>") == 10 and ">s0<" in html and 'rel="next"' not in html
    assert client.get("/admin/audit", query_string={"before": "x1"}).status_code == 400
    assert client.get("/admin/audit", query_string={"before": "\u00b2"}).status_code == 400
    assert client.get("/admin/audit", query_string={"action": "%"}).status_code == 200


@pytest.mark.parametrize("role", [CLERK, HALL_ADMIN, DEPARTMENT_ADMIN])
def test_others_may_not_read_the_trail(app, places, role):
    scope = {CLERK: places["hall"], HALL_ADMIN: places["hall"],
             DEPARTMENT_ADMIN: places["dept"]}[role]
    client, _ = staff_client(app, [(role, scope)])
    assert client.get("/admin/audit").status_code == 403
    assert 'href="/admin/audit"' not in client.get("/admin/").get_data(as_text=True)


def test_platform_admin_reads_it(app):
    client, _ = staff_client(app, [(PLATFORM_ADMIN, "")])
    assert client.get("/admin/audit").status_code == 200
