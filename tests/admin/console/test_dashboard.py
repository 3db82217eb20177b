"""The dashboard's figures come from the records, per China-time day and per scope."""

from __future__ import annotations

import re
import secrets

from credentials.models import DepartmentClient
from edge.timestamps import utcnow
from idp.staff import AUDITOR, DEPARTMENT_ADMIN, PLATFORM_ADMIN
from tests.admin.console.helpers import live_sso_session, make_staff, staff_client
from verify.models import UseRecord


def _today_cells(html: str, panel: str) -> str:
    section = html.split(f'id="chart-{panel}"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r"<tr><th scope=\"row\">([0-9-]+)</th>(.*?)</tr>", section)
    return rows[-1][1]


def _today_total(html: str, panel: str) -> int:
    return sum(int(n) for n in re.findall(r"<td>(\d+)</td>", _today_cells(html, panel)))


def _verification(app, client_id: str, result: str) -> None:
    with app.services.unit_of_work.scope():
        app.services.unit_of_work.session().add(UseRecord(
            at=utcnow(), kind="verify", client_id=client_id, licence_identifier="1.2.156.x",
            purpose="test", result=result))


def test_logins_today_are_counted(app):
    client, _ = staff_client(app, [(AUDITOR, "")])
    before = client.get("/admin/").get_data(as_text=True)
    member = make_staff(app, [])
    live_sso_session(app, member["id"])
    after = client.get("/admin/").get_data(as_text=True)
    # Today's row has a cell per series (loa-1, loa-2, ...): earlier tests in the same
    # database may have counted logins in any of them.
    assert _today_total(after, "logins") == _today_total(before, "logins") + 1


def test_department_admin_sees_only_its_systems_verifications(app, places):
    mine, theirs = "sys-" + secrets.token_hex(4), "sys-" + secrets.token_hex(4)
    with app.services.unit_of_work.scope():
        db = app.services.unit_of_work.session()
        db.add_all([DepartmentClient(department_code=places["dept"], client_id=mine),
                    DepartmentClient(department_code=places["other_dept"], client_id=theirs)])
    _verification(app, mine, "revoked")
    _verification(app, theirs, "suspended")
    _verification(app, theirs, "suspended")
    client, _ = staff_client(app, [(DEPARTMENT_ADMIN, places["dept"])])
    html = client.get("/admin/").get_data(as_text=True)
    section = html.split('id="chart-verifications"', 1)[1].split("</section>", 1)[0]
    assert ">revoked<" in section and ">suspended<" not in section
    assert "total 1" in section or "合计 1" in section
    admin, _ = staff_client(app, [(PLATFORM_ADMIN, "")])
    html = admin.get("/admin/").get_data(as_text=True)
    section = html.split('id="chart-failures"', 1)[1].split("</section>", 1)[0]
    assert ">verify: revoked<" in section and ">verify: suspended<" in section
    assert ">verify: valid<" not in section


def _failures_today(client, label: str) -> int:
    html = client.get("/admin/").get_data(as_text=True)
    section = html.split('id="chart-failures"', 1)[1].split("</section>", 1)[0]
    head = re.findall(r'<th scope="col">([^<]+)</th>', section)[1:]
    if label not in head:
        return 0
    cells = re.findall(r"<td>(\d+)</td>", _today_cells(html, "failures"))
    return int(cells[head.index(label)])


def test_failed_logins_are_counted_per_reason(app, unique):
    from tests.idp.accounts.factories import login, make_person

    admin, _ = staff_client(app, [(PLATFORM_ADMIN, "")])
    before = _failures_today(admin, "login.credentials")
    person = make_person(app, unique)
    browser = app.test_client()
    assert login(browser, person["username"], "wrong password!").status_code == 401
    assert login(browser, "nobody" + unique, "wrong password!").status_code == 401
    assert _failures_today(admin, "login.credentials") == before + 2
    metrics = admin.get("/metrics").get_data(as_text=True)
    assert re.search(r'^onegate_login_failures_total\{reason="login.credentials"\} [1-9]',
                     metrics, re.M)
    dept, _ = staff_client(app, [(DEPARTMENT_ADMIN, _dept(app))])
    html = dept.get("/admin/").get_data(as_text=True)
    assert "login.credentials" not in html  # failed logins name no department


def _dept(app) -> str:
    from tests.admin.console.helpers import ensure_department

    return ensure_department(app, "d" + secrets.token_hex(3))
