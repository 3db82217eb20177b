"""``onegate types ...`` and ``onegate licenses ...``: JSON output, readable errors,
audit entries naming the operator."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from audit.models import AuditEntry
from audit.operators import META_KEY
from credentials.cli import groups
from credentials.models import Licence, LicenceType
from tests.credentials.catalogue_helpers import definition, second_department, without_note
from tests.credentials.helpers import dept_headers


def run(app, *args):
    @click.group()
    @click.option("--operator")
    @click.pass_context
    def root(ctx, operator):
        ctx.meta[META_KEY] = operator

    for group in groups(lambda: app.credentials_services):
        root.add_command(group)
    with app.app_context():
        return CliRunner().invoke(root, ["--operator", "王工", *args], catch_exceptions=False)


def ok_json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _entries(app, subject: str, action: str):
    with app.services.sessions() as session:
        return session.scalars(select(AuditEntry).where(AuditEntry.subject == subject,
                                                        AuditEntry.action == action)).all()


def test_preview(app, tmp_path):
    path = tmp_path / "type.json"
    path.write_text(json.dumps(definition(), ensure_ascii=False), encoding="utf-8")
    shown = ok_json(run(app, "types", "preview", str(path), "--json"))
    assert shown["offline_qr"]["text"].startswith("LIC1:")
    text = run(app, "types", "preview", str(path))
    assert text.exit_code == 0 and "QR version" in text.output
    path.write_text(json.dumps(definition(validity_days=0, json_schema={"type": "array"})))
    bad = run(app, "types", "preview", str(path))
    assert bad.exit_code == 1
    assert bad.output.startswith("Error: the type definition is not valid: ")
    assert "validity_days: out_of_range" in bad.output and "json_schema:" in bad.output
    path.write_text("{not json")
    assert run(app, "types", "preview", str(path)).exit_code == 2


def test_versions_issuers_and_retirement(app, dept, unique, tmp_path):
    path = tmp_path / "v2.json"
    path.write_text(json.dumps(without_note(), ensure_ascii=False), encoding="utf-8")
    added = ok_json(run(app, "types", "add-version", dept.type_code, str(path), "--json"))
    assert added["version"] == 2 and added["vct"].endswith("/versions/2")
    [entry] = _entries(app, dept.type_code, "type.add_version")
    assert entry.actor == "operator:王工" and "os_user" in entry.data
    other = second_department(app, unique, dept)
    gone = ok_json(run(app, "types", "disallow", dept.type_code, other.code, "--json"))
    assert gone == {"code": dept.type_code, "department": other.code, "may_issue": False,
                    "changed": True}
    assert "unchanged" in run(app, "types", "disallow", dept.type_code, other.code).output
    assert ok_json(run(app, "types", "allow", dept.type_code, other.code, "--json"))["changed"]
    unknown = run(app, "types", "allow", dept.type_code, "nobody")
    assert unknown.exit_code == 1 and "no department" in unknown.output
    shown = ok_json(run(app, "types", "show", dept.type_code, "--json"))
    assert [v["version"] for v in shown["versions"]] == [1, 2]
    assert run(app, "types", "retire", dept.type_code).exit_code == 2  # --reason required
    blank = run(app, "types", "retire", dept.type_code, "--reason", " ")
    assert blank.exit_code == 1 and "reason: required" in blank.output
    retired = ok_json(run(app, "types", "retire", dept.type_code, "--reason", "停发", "--json"))
    assert retired["status"] == "retired"
    again = run(app, "types", "retire", dept.type_code, "--reason", "停发")
    assert again.exit_code == 1 and "retired" in again.output
    listed = ok_json(run(app, "types", "list", "--json"))
    assert next(t for t in listed if t["code"] == dept.type_code)["status"] == "retired"
    with app.services.sessions() as session:
        assert session.get(LicenceType, dept.type_code).retired_reason == "停发"
    assert run(app, "types", "show", "91350100M000100Y43999").exit_code == 1


def test_licences_search_show_and_actions(app, client, dept):
    issued = client.post("/api/v1/licenses", json=dept.body(),
                         headers=dept_headers(app, dept)).get_json()
    identifier = issued["identifier"]
    found = ok_json(run(app, "licenses", "search", "--holder", issued["holder"]["number"],
                        "--json"))
    assert found["total"] == 1 and found["items"][0]["identifier"] == identifier
    assert run(app, "licenses", "search", "--holder", "x").exit_code == 1
    assert run(app, "licenses", "revoke", identifier).exit_code == 2  # --reason required
    empty = run(app, "licenses", "revoke", identifier, "--reason", "")
    assert empty.exit_code == 1
    assert empty.output == "Error: a reason is required: reason: required\n"
    suspended = ok_json(run(app, "licenses", "suspend", identifier, "--reason", "核查", "--json"))
    assert suspended["state"] == "suspended" and suspended["state_reason"] == "核查"
    assert run(app, "licenses", "reinstate", identifier, "--reason", "无误").exit_code == 0
    assert run(app, "licenses", "revoke", identifier, "--reason", "注销").exit_code == 0
    twice = run(app, "licenses", "revoke", identifier, "--reason", "再次")
    assert twice.exit_code == 1 and "cannot revoke a revoked licence" in twice.output
    shown = ok_json(run(app, "licenses", "show", identifier, "--json"))
    assert [(h["action"], h["actor"]) for h in shown["history"]][1:] == [
        ("suspend", "operator:王工"), ("reinstate", "operator:王工"), ("revoke", "operator:王工")]
    assert shown["uses"] == [] and shown["claims"] == issued["claims"]
    with app.services.sessions() as session:
        assert session.get(Licence, identifier).state == "revoked"
    wrong = identifier[:-1] + ("1" if identifier[-1] == "0" else "0")
    assert run(app, "licenses", "show", wrong).exit_code == 1


@pytest.mark.parametrize("args", [["types", "show", "x", "--json"],
                                  ["licenses", "show", "1.2", "--json"]])
def test_bad_arguments_are_one_line_errors(app, args):
    result = run(app, *args)
    assert result.exit_code == 1 and result.output.count("\n") == 1
