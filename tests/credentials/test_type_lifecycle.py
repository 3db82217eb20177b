"""The catalogue's lifecycle end to end: versions (old licences keep theirs and still
verify, online and offline), retirement, issuing departments; and the hostile side."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from audit.models import AuditEntry
from credentials import type_lifecycle
from credentials.errors import InvalidTransition, NotFound, ValidationFailed
from credentials.models import Licence, LicenceType, LicenceTypeVersion
from tests.credentials.catalogue_helpers import (
    ACTOR,
    add_version,
    change,
    definition,
    second_department,
    without_note,
)
from tests.credentials.helpers import dept_headers

PROBLEMS = "http://localhost/api/v1/problems/"


def issue(client, app, dept, **body):
    return client.post("/api/v1/licenses", json=dept.body(**body),
                       headers=dept_headers(app, dept))


def verified(app, client, text: str) -> str:
    app.verify_services.trust.refresh()  # no trust snapshot from before the change
    response = client.post("/api/v1/verify", json={"credential": text})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["status"]


def test_new_version_keeps_old_licences_verifying_online_and_offline(app, client, dept):
    old = issue(client, app, dept)
    assert old.status_code == 201, old.get_json()
    old = old.get_json()
    added = add_version(app, dept.type_code, without_note())
    assert added.version == 2
    # Issuance now uses version 2: the removed claim is refused, the vct names v2.
    refused = issue(client, app, dept)
    assert refused.status_code == 422
    assert {e["field"] for e in refused.get_json()["errors"]} == {"claims.note"}
    claims = {"permit_number": "TP123456", "category": "乙类", "address": "广州"}
    new = issue(client, app, dept, claims=claims)
    assert new.status_code == 201, new.get_json()
    new = new.get_json()
    with app.services.sessions() as session:
        assert session.get(Licence, old["identifier"]).type_version == 1
        assert session.get(Licence, new["identifier"]).type_version == 2
    assert (old["type_version"], new["type_version"]) == (1, 2)
    payload = _payload(new["sd_jwt"])
    assert new["vct"] == payload["vct"]
    assert payload["vct"] == f"http://localhost/types/{dept.type_code}/versions/2"
    assert payload["address"] == "广州"  # always disclosed from version 2 on
    assert _payload(old["sd_jwt"])["vct"] == f"http://localhost/types/{dept.type_code}"
    # The licence issued under version 1 (with the claim v2 removed) still verifies.
    for text in (old["sd_jwt"], old["offline_qr"], new["sd_jwt"], new["offline_qr"]):
        assert verified(app, client, text) == "valid"
    # ... and shows the removed claim under its title from version 1.
    shown = client.post("/api/v1/verify", json={"credential": old["sd_jwt"]}).get_json()
    labels = {d["claim"]: d["label"] for d in shown["license"]["display"]}
    assert labels["note"] == "备注"
    # Each vct URL serves the metadata of its own version.
    v1 = client.get(f"/types/{dept.type_code}").get_json()
    v2 = client.get(f"/types/{dept.type_code}/versions/2").get_json()
    assert (v1["version"], v2["version"]) == (1, 2)
    assert "note" in v1["schema"]["properties"] and "note" not in v2["schema"]["properties"]
    assert v1["current_vct"] == payload["vct"]
    assert client.get(f"/types/{dept.type_code}/versions/3").status_code == 404


def _payload(sd_jwt: str) -> dict:
    from credentials.formats import sd_jwt as parser

    return parser.parse(sd_jwt).payload


def test_versions_are_recorded_and_audited(app, dept):
    add_version(app, dept.type_code, without_note())
    with app.services.sessions() as session:
        rows = session.scalars(select(LicenceTypeVersion).where(
            LicenceTypeVersion.type_code == dept.type_code)
            .order_by(LicenceTypeVersion.version)).all()
        assert [(r.version, "note" in r.json_schema["properties"]) for r in rows] == \
            [(1, True), (2, False)]
        assert rows[1].created_by == ACTOR
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.subject == dept.type_code, AuditEntry.action == "type.add_version")).one()
        assert (entry.actor, entry.data["version"]) == (ACTOR, 2)


def test_an_invalid_version_names_each_field_and_changes_nothing(app, dept):
    bad = definition(json_schema={"type": "object", "properties": {"a": {"type": "nope"}}},
                     offline_claims=["address"], validity_days=0)
    bad.pop("holder_kind")
    with pytest.raises(ValidationFailed) as caught:
        add_version(app, dept.type_code, bad)
    assert {e.field for e in caught.value.errors} == {"json_schema", "validity_days"}
    with pytest.raises(ValidationFailed) as caught:
        add_version(app, dept.type_code, {**without_note(), "colour": "red",
                                          "holder_kind": "enterprise"})
    assert {(e.field, e.reason) for e in caught.value.errors} == {
        ("holder_kind", "fixed_by_type")}
    with pytest.raises(ValidationFailed) as caught:
        add_version(app, dept.type_code, {**without_note(), "colour": "red"})
    assert [(e.field, e.reason) for e in caught.value.errors] == [("colour", "unknown_field")]
    same = definition()
    same.pop("holder_kind")
    same["json_schema"]["properties"]["permit_number"].pop("examples")
    with pytest.raises(ValidationFailed) as caught:
        add_version(app, dept.type_code, same)
    assert caught.value.errors[0].reason == "unchanged"
    with app.services.sessions() as session:
        assert session.get(LicenceType, dept.type_code).version == 1


def test_retired_type_issues_nothing_and_its_licences_verify(app, client, dept):
    old = issue(client, app, dept).get_json()
    change(app, dept.type_code, lambda s: type_lifecycle.retire(
        s, dept.type_code, "并入新证照", actor=ACTOR, now=app.credentials_services.clock()))
    refused = issue(client, app, dept)
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["type"] == PROBLEMS + "type-retired"
    assert body["errors"] == [{"field": "type", "reason": "retired"}]
    assert client.get("/api/v1/problems/type-retired").get_json()["status"] == 422
    batch = client.post("/api/v1/licenses:batch", json={"items": [dept.body()]},
                        headers=dept_headers(app, dept)).get_json()
    assert batch["issued"] == 0
    assert batch["results"][0]["problem"]["type"] == PROBLEMS + "type-retired"
    reissue = client.post(f"/api/v1/licenses/{old['identifier']}/reissue",
                          json={"claims": old["claims"], "reason": "更正"},
                          headers=dept_headers(app, dept))
    assert reissue.status_code == 422 and reissue.get_json()["type"] == PROBLEMS + "type-retired"
    for text in (old["sd_jwt"], old["offline_qr"]):
        assert verified(app, client, text) == "valid"
    with app.services.sessions() as session:
        assert session.get(Licence, old["identifier"]).state == "valid"
        with pytest.raises(InvalidTransition):  # retiring twice: 409, nothing recorded
            type_lifecycle.retire(session, dept.type_code, "again", actor=ACTOR,
                                  now=app.credentials_services.clock())
        with pytest.raises(InvalidTransition):
            type_lifecycle.add_version(session, dept.type_code, without_note(), actor=ACTOR)


def test_retire_needs_a_reason(app, dept):
    with app.services.sessions() as session:
        for reason in (None, "", "   ", "x" * 501, "a\x00b"):
            with pytest.raises(ValidationFailed) as caught:
                type_lifecycle.retire(session, dept.type_code, reason, actor=ACTOR,
                                      now=app.credentials_services.clock())
            assert caught.value.errors[0].field == "reason"
        with pytest.raises(NotFound):
            type_lifecycle.retire(session, "91350100M000100Y43999", "x", actor=ACTOR,
                                  now=app.credentials_services.clock())


def test_a_disallowed_department_issues_nothing_and_its_licences_verify(app, client, dept,
                                                                         unique):
    other = second_department(app, unique, dept)
    earlier = issue(client, app, other)
    assert earlier.status_code == 201, earlier.get_json()
    earlier = earlier.get_json()
    change(app, dept.type_code,
           lambda s: type_lifecycle.disallow(s, dept.type_code, other.code, actor=ACTOR))
    refused = issue(client, app, other)
    assert refused.status_code == 403
    assert refused.get_json()["type"] == PROBLEMS + "department-not-allowed"
    assert issue(client, app, dept).status_code == 201  # the owner still issues
    for text in (earlier["sd_jwt"], earlier["offline_qr"]):
        assert verified(app, client, text) == "valid"
    with app.services.sessions() as session:
        row = session.get(LicenceType, dept.type_code)
        assert (row.departments, row.former_departments) == ([dept.code], [other.code])
        assert type_lifecycle.disallow(session, dept.type_code, other.code,
                                       actor=ACTOR) is False
        with pytest.raises(ValidationFailed) as caught:  # never no issuer: retire instead
            type_lifecycle.disallow(session, dept.type_code, dept.code, actor=ACTOR)
        assert caught.value.errors[0].reason == "last_issuer"
        with pytest.raises(NotFound):
            type_lifecycle.allow(session, dept.type_code, "no-such-dept", actor=ACTOR)


def test_a_department_never_allowed_is_refused_and_untrusted(app, client, dept, unique):
    other = second_department(app, unique, dept)
    change(app, dept.type_code,
           lambda s: type_lifecycle.disallow(s, dept.type_code, other.code, actor=ACTOR))
    change(app, dept.type_code,
           lambda s: type_lifecycle.allow(s, dept.type_code, other.code, actor=ACTOR))
    with app.services.sessions() as session:
        row = session.get(LicenceType, dept.type_code)
        assert (sorted(row.departments), row.former_departments) == \
            (sorted([dept.code, other.code]), [])
    assert issue(client, app, other).status_code == 201


def test_create_from_a_definition(app, dept):
    from tests.credentials.helpers import uscc

    code = uscc() + "002"
    with app.services.sessions.begin() as session:
        row = type_lifecycle.create(session, definition(code=code, departments=[dept.code]),
                                    actor=ACTOR)
        assert (row.version, row.status, row.departments) == (1, "active", [dept.code])
    with app.services.sessions() as session:
        assert session.get(LicenceTypeVersion, (code, 1)).created_by == ACTOR
        with pytest.raises(ValidationFailed) as caught:
            type_lifecycle.create(session, definition(code=code, departments=["nobody"]),
                                  actor=ACTOR)
        assert {e.reason for e in caught.value.errors} == {"unknown_department"}
        with pytest.raises(ValidationFailed) as caught:
            type_lifecycle.create(session, definition(code=code, departments=[dept.code]),
                                  actor=ACTOR)
        assert [(e.field, e.reason) for e in caught.value.errors] == [("code", "already_exists")]


def test_a_huge_version_number_is_not_found_not_a_500(client, dept):
    """Schemathesis found it: a version past 64 bits overflowed the database driver."""
    for version in (2**31, 10**36):
        answer = client.get(f"/types/{dept.type_code}/versions/{version}")
        assert answer.status_code == 404
        assert answer.mimetype == "application/problem+json"
    assert client.get(f"/types/{dept.type_code}/versions/1").status_code == 200
