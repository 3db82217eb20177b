"""The console's licence pages: search, history, uses and actions within each role's
reach, by direct requests."""

from __future__ import annotations

import secrets

import pytest

from credentials.models import Licence
from idp.staff import AUDITOR, DEPARTMENT_ADMIN, PLATFORM_ADMIN
from tests.admin.console.helpers import audit_entries, csrf_token, staff_client
from tests.credentials.helpers import dept_headers, make_department


@pytest.fixture
def issued(app):
    """Two keyed departments with one licence each."""
    found = []
    for prefix in ("la", "lb"):
        dept = make_department(app, prefix + secrets.token_hex(3))
        body = app.test_client().post("/api/v1/licenses", json=dept.body(),
                                      headers=dept_headers(app, dept)).get_json()
        found.append((dept, body))
    return found


def _state(app, identifier: str) -> str:
    with app.services.sessions() as session:
        return session.get(Licence, identifier).state


def _post(client, path: str, **form):
    return client.post(path, data={"csrf_token": csrf_token(client, "/admin/licences"), **form})


def test_department_admin_finds_reads_and_acts_on_own_licences_only(app, issued):
    (mine, own), (_, other) = issued
    client, member = staff_client(app, [(DEPARTMENT_ADMIN, mine.code)])
    found = client.get("/admin/licences", query_string={"all": "1"}).get_data(as_text=True)
    assert own["identifier"] in found and other["identifier"] not in found
    by_holder = client.get("/admin/licences", query_string={
        "holder": other["holder"]["number"]}).get_data(as_text=True)
    assert other["identifier"] not in by_holder and 'id="result-count"' in by_holder
    assert client.get(f"/admin/licences/{other['identifier']}").status_code == 404
    refused = _post(client, f"/admin/licences/{other['identifier']}/revoke", reason="越权")
    assert refused.status_code == 404 and _state(app, other["identifier"]) == "valid"
    page = client.get(f"/admin/licences/{own['identifier']}")
    assert page.status_code == 200
    done = _post(client, f"/admin/licences/{own['identifier']}/suspend", reason="待核查")
    assert done.status_code == 302 and _state(app, own["identifier"]) == "suspended"
    history = client.get(f"/admin/licences/{own['identifier']}").get_data(as_text=True)
    assert f"staff:{member['sub']}" in history and "待核查" in history
    [entry] = audit_entries(app, "console.licence.suspend", own["identifier"])
    assert entry.data["reason"] == "待核查" and entry.data["role"] == DEPARTMENT_ADMIN


def test_reason_required_and_revoking_twice_is_refused(app, issued):
    (_, own), _ = issued
    client, _ = staff_client(app, [(PLATFORM_ADMIN, "")])
    path = f"/admin/licences/{own['identifier']}/revoke"
    blank = _post(client, path, reason="")
    assert blank.status_code == 303 and _state(app, own["identifier"]) == "valid"
    assert "a reason is required" in client.get(blank.headers["Location"]).get_data(
        as_text=True)
    assert _post(client, path, reason="注销").status_code == 302
    assert _state(app, own["identifier"]) == "revoked"
    again = _post(client, path, reason="再次")
    assert again.status_code == 303
    assert len(audit_entries(app, "console.licence.revoke", own["identifier"])) == 1
    assert len(audit_entries(app, "licence.revoke", own["identifier"])) == 1
    page = client.get(f"/admin/licences/{own['identifier']}").get_data(as_text=True)
    assert "reason-revoke" not in page  # no action offered on a revoked licence


def test_auditor_reads_all_and_acts_on_nothing(app, issued):
    (_, own), (_, other) = issued
    client, _ = staff_client(app, [(AUDITOR, "")])
    for body in (own, other):
        page = client.get(f"/admin/licences/{body['identifier']}").get_data(as_text=True)
        assert body["identifier"] in page and "reason-revoke" not in page
        answer = _post(client, f"/admin/licences/{body['identifier']}/revoke", reason="x")
        assert answer.status_code == 403 and _state(app, body["identifier"]) == "valid"


def test_bad_search_input_is_named_not_a_500(app, issued):
    client, _ = staff_client(app, [(PLATFORM_ADMIN, "")])
    for query in ({"holder": "123"}, {"status": "lost"}, {"id": "1.2.3"}, {"page": "x" * 50},
                  {"page": "\u00b2"}, {"id": "\x00"}):
        answer = client.get("/admin/licences", query_string=query)
        assert answer.status_code == 200, query
    assert "holder" in client.get("/admin/licences", query_string={"holder": "1"}).get_data(
        as_text=True)
    assert client.get("/admin/licences/not-an-id").status_code == 404
    assert client.post("/admin/licences/x/explode",
                       data={"csrf_token": csrf_token(client, "/admin/licences")}
                       ).status_code == 404


def test_public_reason_chosen_in_the_console_and_refused_when_unknown(app, issued):
    (_, own), _ = issued
    client, _ = staff_client(app, [(PLATFORM_ADMIN, "")])
    path = f"/admin/licences/{own['identifier']}/revoke"
    page = client.get(f"/admin/licences/{own['identifier']}").get_data(as_text=True)
    assert 'name="public_reason"' in page and 'value="revoked_by_authority"' in page
    bad = _post(client, path, reason="注销", public_reason="lost", public_note="")
    assert bad.status_code == 303 and _state(app, own["identifier"]) == "valid"
    done = _post(client, path, reason="深市监罚〔2026〕118 号",
                 public_reason="revoked_by_authority", public_note="依据行政处罚决定书")
    assert done.status_code == 302
    with app.services.sessions() as session:
        row = session.get(Licence, own["identifier"])
        assert (row.public_reason, row.public_note) == ("revoked_by_authority",
                                                         "依据行政处罚决定书")
    shown = client.get(f"/admin/licences/{own['identifier']}").get_data(as_text=True)
    assert 'id="public-reason"' in shown and "依据行政处罚决定书" in shown
