"""Every operator action through the CLI lands in the audit trail, saying who did it:
the ``--operator`` name (or ONEGATE_OPERATOR) and the OS user."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import select

from admin.cli import cli
from audit.models import AuditEntry
from audit.operators import os_user
from tests.credentials.helpers import make_department, uscc
from tests.idp.accounts.factories import citizen_id


def _run(app, *args, env=None, input=None):
    with app.app_context():
        result = CliRunner().invoke(cli, list(args), env=env, input=input)
    assert result.exit_code == 0, result.output
    return result


def _entries(app, action: str, subject: str) -> list[AuditEntry]:
    with app.services.sessions() as session:
        return list(session.scalars(select(AuditEntry).where(
            AuditEntry.action == action, AuditEntry.subject == subject)
            .order_by(AuditEntry.seq)))


def _one(app, action: str, subject: str, operator: str) -> AuditEntry:
    rows = _entries(app, action, subject)
    assert len(rows) == 1, (action, subject, rows)
    assert rows[0].actor == f"operator:{operator}"
    assert rows[0].data["os_user"] == os_user()
    return rows[0]


def test_client_commands_are_audited_with_the_operator(app, unique):
    added = _run(app, "--operator", "alice", "clients", "add", "--name", f"Hall {unique}",
                 "--redirect-uri", "https://hall.example/cb", "--json")
    body = json.loads(added.output)
    entry = _one(app, "operator.client.add", body["client_id"], "alice")
    assert entry.data["redirect_uris"] == ["https://hall.example/cb"]
    assert body["client_secret"] not in json.dumps(entry.data)  # never a secret in the trail
    _run(app, "clients", "disable", body["client_id"], env={"ONEGATE_OPERATOR": "bob"})
    _one(app, "operator.client.disable", body["client_id"], "bob")


def test_key_commands_are_audited_with_the_os_user_by_default(app):
    rotated = _run(app, "keys", "rotate", "--owner", "provider", "--alg", "EdDSA")
    kid = rotated.output.split()[2]
    assert _one(app, "operator.key.rotate", kid, os_user()).data["owner"] == "provider"
    _run(app, "--operator", "carol", "keys", "revoke", kid)
    _one(app, "operator.key.revoke", kid, "carol")


def test_account_commands_are_audited(app, unique):
    added = _run(app, "--operator", "dave", "users", "add", "--kind", "person", "--username",
                 f"op{unique}", "--name", "赵六", "--password-stdin", "--id-number",
                 citizen_id(), "--json", input="long enough password\n")
    sub = json.loads(added.output)["sub"]
    entry = _one(app, "operator.account.add", sub, "dave")
    assert "password" not in json.dumps(entry.data)
    # "--" ends the options: a sub may begin with "-" (base64url).
    _run(app, "--operator", "dave", "users", "lock", "--reason", "核查", "--", sub)
    assert _one(app, "operator.account.lock", sub, "dave").data["reason"] == "核查"
    _run(app, "--operator", "dave", "users", "unlock", "--", sub)
    _one(app, "operator.account.unlock", sub, "dave")


def test_catalogue_and_import_commands_are_audited(app, unique, tmp_path):
    code = "op" + unique
    _run(app, "--operator", "erin", "departments", "add", code, "--name", "广东省测试局",
         "--uscc", uscc())
    _one(app, "operator.department.add", code, "erin")
    dept = make_department(app, unique)
    path = tmp_path / "old.jsonl"
    path.write_text("\n".join(json.dumps(dept.body(serial=f"OP{unique.upper()}{i}"),
                                          ensure_ascii=False) for i in range(2)))
    _run(app, "--operator", "erin", "licenses", "import", str(path), "--department", dept.code)
    entry = _one(app, "operator.licenses.import", dept.code, "erin")
    assert (entry.data["file"], entry.data["imported"]) == ("old.jsonl", 2)
