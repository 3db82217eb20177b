"""Issuance and every lifecycle change append to the hash-chained audit trail, in the
same transaction as the change; ``onegate audit verify`` finds an edited row."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import func, select, text

from audit.models import AuditEntry
from credentials import bulk_import
from tests.credentials.helpers import dept_headers, make_department


def _entries(app, subject: str) -> list[tuple[str, str, dict]]:
    with app.services.sessions() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.subject == subject)
                               .order_by(AuditEntry.seq))
        return [(r.action, r.actor, r.data) for r in rows]


def test_issue_and_lifecycle_are_audited(app, client, unique):
    dept = make_department(app, unique)
    headers = dept_headers(app, dept)
    actor = "client:" + dept.client_id
    first = client.post("/api/v1/licenses", json=dept.body(), headers=headers).get_json()
    ident = first["identifier"]
    for action in ("suspend", "reinstate"):
        response = client.post(f"/api/v1/licenses/{ident}/{action}", json={"reason": "核查"},
                               headers=headers)
        assert response.status_code == 200, response.get_json()
    reissued = client.post(f"/api/v1/licenses/{ident}/reissue",
                           json={"claims": dept.body()["claims"], "reason": "变更地址"},
                           headers=headers)
    assert reissued.status_code == 201, reissued.get_json()
    successor = reissued.get_json()["identifier"]
    revoked = client.post(f"/api/v1/licenses/{successor}/revoke", json={"reason": "注销"},
                          headers=headers)
    assert revoked.status_code == 200

    assert [(a, who) for a, who, _ in _entries(app, ident)] == [
        ("licence.issue", actor), ("licence.suspend", actor), ("licence.reinstate", actor),
        ("licence.revoke", actor)]
    suspend = _entries(app, ident)[1][2]
    assert suspend == {"from": "valid", "to": "suspended", "reason": "核查"}
    after = _entries(app, successor)
    assert [a for a, _, _ in after] == ["licence.reissue", "licence.revoke"]
    assert after[0][2]["previous"] == ident and after[0][2]["version"] == "002"


def test_nothing_is_audited_for_a_rejected_request(app, client, unique):
    dept = make_department(app, unique)
    with app.services.sessions() as session:
        before = session.scalar(select(func.count()).select_from(AuditEntry))
    bad = dept.body(claims={"permit_number": "nope"})
    assert client.post("/api/v1/licenses", json=bad,
                       headers=dept_headers(app, dept)).status_code == 422
    with app.services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_bulk_import_is_audited(app, unique, tmp_path):
    dept = make_department(app, unique)
    lines = [dept.body(serial=f"AUD{unique.upper()}{i}") for i in range(3)]
    path = tmp_path / "old.jsonl"
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines))
    with app.app_context():
        summary = bulk_import.run(app.credentials_services.deps, path, dept.code, batch=2)
    assert summary.imported == 3
    with app.services.sessions() as session:
        rows = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "licence.import", AuditEntry.actor == "import:" + dept.code))
        assert len(list(rows)) == 3


def test_audit_verify_command_finds_an_edited_row(app, client, unique):
    from admin.cli import cli

    dept = make_department(app, unique)
    ident = client.post("/api/v1/licenses", json=dept.body(),
                        headers=dept_headers(app, dept)).get_json()["identifier"]
    runner = CliRunner()
    with app.app_context():
        intact = runner.invoke(cli, ["audit", "verify"])
    assert intact.exit_code == 0, intact.output
    assert "intact" in intact.output
    sessions = app.services.sessions
    with sessions() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.subject == ident)).one()
        seq, original = entry.seq, entry.actor
    edit = text("UPDATE audit_entries SET actor = :a WHERE seq = :s")
    try:
        with sessions.begin() as session:
            session.execute(edit, {"a": "client:someone-else", "s": seq})
        with app.app_context():
            broken = runner.invoke(cli, ["audit", "verify"])
        assert broken.exit_code == 1
        assert f"tampered: entry {seq}:" in broken.output
    finally:  # the chain is shared by the other tests of this database
        with sessions.begin() as session:
            session.execute(edit, {"a": original, "s": seq})
    with app.app_context():
        assert runner.invoke(cli, ["audit", "verify"]).exit_code == 0
