"""``onegate enterprises represent|list|withdraw``: JSON output, readable errors,
audited with the operator's name."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import select

from tests.idp.accounts.factories import make_person
from tests.idp.representation.helpers import hall, make_enterprise, refresh, tokens_for


def _run(app, *args):
    from admin.cli import cli

    with app.app_context():
        return CliRunner().invoke(cli, ["--operator", "carol", "enterprises", *args])


def _audit(app, action: str, subject: str) -> list:
    from audit.models import AuditEntry

    with app.services.sessions() as session:
        return list(session.scalars(select(AuditEntry).where(
            AuditEntry.action == action, AuditEntry.subject == subject)))


def test_represent_list_withdraw(app, client, unique):
    person, agent = make_person(app, unique), make_person(app, unique + "a")
    enterprise = make_enterprise(app, unique)
    legal = _run(app, "represent", enterprise["uscc"], "--person", person["username"],
                 "--role", "legal", "--json")
    assert legal.exit_code == 0, legal.output
    row = json.loads(legal.output)
    assert row["role"] == "legal" and row["matters"] is None and row["live"]
    assert row["granted_by"] == "operator:carol"
    given = _run(app, "represent", enterprise["uscc"], "--person", agent["sub"], "--role",
                 "agent", "--matters", "tax-filing,licences", "--until", "2999-12-31",
                 "--granted-by", person["username"], "--json")
    assert given.exit_code == 0, given.output
    agent_row = json.loads(given.output)
    assert agent_row["matters"] == ["tax-filing", "licences"]
    assert agent_row["granted_by"] == person["sub"]
    assert agent_row["valid_until"].startswith("2999-12-31T15:59:59")  # 23:59:59 +08:00
    listed = json.loads(_run(app, "list", enterprise["uscc"], "--json").output)
    assert listed[0]["has_legal_representative"]
    assert {a["id"] for a in listed[0]["authorisations"]} == {row["id"], agent_row["id"]}
    entries = _audit(app, "operator.representation.grant", enterprise["sub"])
    assert len(entries) == 2 and entries[0].actor == "operator:carol"
    reg = hall(app, unique)
    body = tokens_for(client, reg, agent, enterprise["sub"])
    ended = _run(app, "withdraw", str(agent_row["id"]), "--json")
    assert ended.exit_code == 0, ended.output
    result = json.loads(ended.output)
    assert not result["live"] and result["withdrawn_by"] == "operator:carol"
    assert result["token_families_revoked"] == 1
    assert refresh(client, reg, body["refresh_token"]).json["error"] == "invalid_grant"
    assert len(_audit(app, "operator.representation.withdraw", enterprise["sub"])) == 1


def test_list_flags_enterprises_without_a_legal_representative(app, unique):
    enterprise = make_enterprise(app, unique)
    result = _run(app, "list", enterprise["uscc"])
    assert result.exit_code == 0 and "[no legal representative]" in result.output


def test_errors_are_one_readable_line(app, unique):
    person, enterprise = make_person(app, unique), make_enterprise(app, unique)
    other = make_person(app, unique + "o")
    cases = [
        (["represent", "91440000MA0000000X", "--person", person["sub"], "--role", "legal"], 1),
        (["represent", person["sub"], "--person", person["sub"], "--role", "legal"], 1),
        (["represent", enterprise["uscc"], "--person", enterprise["sub"], "--role", "agent"], 1),
        (["represent", enterprise["uscc"], "--person", person["sub"], "--role", "agent",
          "--until", "2001-01-01"], 1),
        (["represent", enterprise["uscc"], "--person", person["sub"], "--role", "agent",
          "--matters", "a b"], 1),
        (["represent", enterprise["uscc"], "--person", person["sub"], "--role", "agent",
          "--granted-by", other["sub"]], 1),
        (["represent", enterprise["uscc"], "--person", person["sub"], "--role", "agent",
          "--until", "tomorrow"], 2),
        (["represent", enterprise["uscc"], "--person", person["sub"], "--role", "boss"], 2),
        (["withdraw", "999999999"], 1),
    ]
    for args, code in cases:
        result = _run(app, *args)
        assert result.exit_code == code, (args, result.output)
        assert "Traceback" not in result.output
        if code == 1:
            lines = [line for line in result.output.splitlines() if line.strip()]
            assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert _audit(app, "operator.representation.grant", enterprise["sub"]) == []
