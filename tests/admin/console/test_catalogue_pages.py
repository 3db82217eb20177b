"""The console's licence catalogue pages: each role's reach, by direct requests, and the
schema editor's check, preview and save."""

from __future__ import annotations

import json
import secrets

import pytest

from credentials.models import LicenceType
from idp.staff import AUDITOR, DEPARTMENT_ADMIN, PLATFORM_ADMIN
from tests.admin.console.helpers import audit_entries, csrf_token, staff_client
from tests.credentials.catalogue_helpers import definition, without_note
from tests.credentials.helpers import make_department, uscc


@pytest.fixture
def two(app):
    """Two keyed departments, each with one licence type."""
    return (make_department(app, "ca" + secrets.token_hex(3)),
            make_department(app, "cb" + secrets.token_hex(3)))


def _type(app, code: str) -> LicenceType:
    with app.services.sessions() as session:
        row = session.get(LicenceType, code)
        session.expunge(row)
        return row


def _post(client, path: str, **form):
    return client.post(path, data={"csrf_token": csrf_token(client, "/admin/catalogue"),
                                   **form})


def test_department_admin_sees_and_changes_only_own_types(app, two):
    mine, theirs = two
    client, _ = staff_client(app, [(DEPARTMENT_ADMIN, mine.code)])
    page = client.get("/admin/catalogue").get_data(as_text=True)
    assert mine.type_code in page and theirs.type_code not in page
    assert client.get(f"/admin/catalogue/{mine.type_code}").status_code == 200
    assert client.get(f"/admin/catalogue/{theirs.type_code}").status_code == 403
    refused = _post(client, f"/admin/catalogue/{theirs.type_code}/retire", reason="越权")
    assert refused.status_code == 403
    assert _type(app, theirs.type_code).status == "active"
    versioned = _post(client, f"/admin/catalogue/{theirs.type_code}/versions",
                      definition=json.dumps(without_note()), intent="save")
    assert versioned.status_code == 403 and _type(app, theirs.type_code).version == 1
    # Choosing issuers is the platform's: refused even for the own type.
    issuers = _post(client, f"/admin/catalogue/{mine.type_code}/issuers",
                    department=theirs.code, allow="1")
    assert issuers.status_code == 403
    assert _type(app, mine.type_code).departments == [mine.code]
    done = _post(client, f"/admin/catalogue/{mine.type_code}/retire", reason="合并")
    assert done.status_code == 302
    assert _type(app, mine.type_code).status == "retired"
    [entry] = audit_entries(app, "console.type.retire", mine.type_code)
    assert entry.data["role"] == DEPARTMENT_ADMIN and entry.data["reason"] == "合并"


def test_department_admin_creates_types_for_own_department_only(app, two):
    mine, theirs = two
    client, _ = staff_client(app, [(DEPARTMENT_ADMIN, mine.code)])
    code = uscc() + "003"
    foreign = _post(client, "/admin/catalogue/new", intent="save",
                    definition=json.dumps(definition(code=code, departments=[theirs.code])))
    assert foreign.status_code == 403
    with app.services.sessions() as session:
        assert session.get(LicenceType, code) is None
    own = _post(client, "/admin/catalogue/new", intent="save",
                definition=json.dumps(definition(code=code, departments=[mine.code])))
    assert own.status_code == 302, own.get_data(as_text=True)
    assert _type(app, code).departments == [mine.code]
    assert audit_entries(app, "console.type.add", code)
    assert audit_entries(app, "type.add", code)


def test_auditor_reads_everything_and_changes_nothing(app, two):
    mine, theirs = two
    client, _ = staff_client(app, [(AUDITOR, "")])
    page = client.get("/admin/catalogue").get_data(as_text=True)
    assert mine.type_code in page and theirs.type_code in page
    assert client.get(f"/admin/catalogue/{theirs.type_code}").status_code == 200
    assert client.get("/admin/catalogue/new").status_code == 403
    assert client.get(f"/admin/catalogue/{mine.type_code}/versions").status_code == 403
    for path, form in ((f"/{mine.type_code}/retire", {"reason": "x"}),
                       (f"/{mine.type_code}/issuers", {"department": theirs.code,
                                                        "allow": "1"}),
                       ("/new", {"definition": "{}", "intent": "save"})):
        assert _post(client, "/admin/catalogue" + path, **form).status_code == 403, path
    assert _type(app, mine.type_code).status == "active"


def test_platform_admin_edits_previews_and_saves_a_version(app, two):
    mine, theirs = two
    client, member = staff_client(app, [(PLATFORM_ADMIN, "")])
    path = f"/admin/catalogue/{mine.type_code}/versions"
    editor = client.get(path).get_data(as_text=True)
    assert "permit_number" in editor  # prefilled with the current definition
    bad = without_note()
    bad["offline_claims"] = ["address", "ghost"]
    shown = _post(client, path, definition=json.dumps(bad), intent="preview")
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and 'id="editor-errors"' in html
    assert "offline_claims" in html and 'id="preview"' not in html
    broken = _post(client, path, definition="{not json", intent="preview")
    assert "not_json" in broken.get_data(as_text=True)
    good = _post(client, path, definition=json.dumps(without_note()), intent="preview")
    html = good.get_data(as_text=True)
    assert 'id="preview"' in html and "LIC1:" in html and "/versions/2" not in html
    assert _type(app, mine.type_code).version == 1  # a preview changes nothing
    saved = _post(client, path, definition=json.dumps(without_note()), intent="save")
    assert saved.status_code == 302
    assert _type(app, mine.type_code).version == 2
    [entry] = audit_entries(app, "console.type.add_version", mine.type_code)
    assert entry.actor == f"staff:{member['sub']}" and entry.data["version"] == 2
    listed = client.get(f"/api/v1/types/{mine.type_code}").get_json()
    assert listed["current"]["version"] == 2  # the published catalogue follows at once
    allowed = _post(client, f"/admin/catalogue/{mine.type_code}/issuers",
                    department=theirs.code, allow="1")
    assert allowed.status_code == 302
    assert _type(app, mine.type_code).departments == [mine.code, theirs.code]


def test_retire_without_a_reason_changes_nothing(app, two):
    mine, _ = two
    client, _ = staff_client(app, [(PLATFORM_ADMIN, "")])
    answer = _post(client, f"/admin/catalogue/{mine.type_code}/retire", reason="  ")
    assert answer.status_code == 303
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "reason: required" in page
    assert _type(app, mine.type_code).status == "active"
    assert not audit_entries(app, "console.type.retire", mine.type_code)


def test_unknown_type_is_404_and_post_without_csrf_is_refused(app, two):
    mine, _ = two
    client, _ = staff_client(app, [(PLATFORM_ADMIN, "")])
    assert client.get("/admin/catalogue/91350100M000100Y43999").status_code == 404
    answer = client.post(f"/admin/catalogue/{mine.type_code}/retire", data={"reason": "x"})
    assert answer.status_code == 400
    assert _type(app, mine.type_code).status == "active"
