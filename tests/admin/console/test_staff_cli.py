"""``onegate halls`` and ``onegate staff``, and ``users add --role`` with a scope."""

from __future__ import annotations

import json
import secrets

import pytest
from click.testing import CliRunner

from tests.admin.console.helpers import PASSWORD, audit_entries


@pytest.fixture
def run(app):
    from admin import cli as admin_cli

    def _run(*args):
        with app.app_context():
            return CliRunner().invoke(admin_cli.cli, ["--operator", "wang", *args])
    return _run


def test_halls_add_list_edit_audited(run, app):
    code = "hall-" + secrets.token_hex(3)
    added = run("halls", "add", code, "--name", "越秀区政务服务中心", "--level", "county",
                "--region", "广州市越秀区", "--json")
    assert added.exit_code == 0, added.output
    assert json.loads(added.output)["code"] == code
    again = run("halls", "add", code, "--name", "x", "--level", "county")
    assert again.exit_code == 1 and "already exists" in again.output
    bad = run("halls", "add", "Bad Code!", "--name", "x", "--level", "county")
    assert bad.exit_code == 1 and "code:" in bad.output
    edited = run("halls", "edit", code, "--disable", "--name", "越秀区中心", "--json")
    assert json.loads(edited.output)["disabled"] is True
    listed = json.loads(run("halls", "list", "--json").output)
    assert any(h["code"] == code and h["name"] == "越秀区中心" for h in listed)
    assert run("halls", "edit", "no-such-hall", "--enable").exit_code == 1
    entries = audit_entries(app, "operator.hall.add", code)
    assert len(entries) == 1 and entries[0].actor == "operator:wang"
    assert len(audit_entries(app, "operator.hall.edit", code)) == 1


def test_staff_grant_revoke_list(run, app, places):
    username = "cl" + secrets.token_hex(4)
    made = run("users", "add", "--kind", "staff", "--username", username, "--name", "柜员",
               "--password", PASSWORD, "--role", "clerk", "--hall", places["hall"], "--json")
    assert made.exit_code == 0, made.output
    row = json.loads(made.output)
    assert row["roles"] == [f"clerk:{places['hall']}"]
    granted = run("staff", "grant", username, "department-admin", "--department",
                  places["dept"], "--json")
    assert granted.exit_code == 0, granted.output
    assert json.loads(granted.output)["added"] is True
    twice = run("staff", "grant", username, "department-admin", "--department", places["dept"])
    assert twice.exit_code == 0 and "already held" in twice.output
    listed = json.loads(run("staff", "list", "--scope", places["dept"], "--json").output)
    assert [(r["username"], r["role"]) for r in listed] == [(username, "department-admin")]
    revoked = run("staff", "revoke", username, "clerk", "--hall", places["hall"])
    assert revoked.exit_code == 0, revoked.output
    assert run("staff", "revoke", username, "clerk", "--hall", places["hall"]).exit_code == 1
    assert len(audit_entries(app, "operator.staff.grant", row["sub"])) == 1
    assert len(audit_entries(app, "operator.staff.revoke", row["sub"])) == 1


@pytest.mark.parametrize("args, message", [
    (["clerk"], "needs a hall"),
    (["clerk", "--hall", "no-such-hall"], "no hall"),
    (["department-admin", "--department", "nodept"], "no department"),
    (["platform-admin", "--hall", "x"], "takes no --hall"),
    (["janitor"], "Invalid value"),
])
def test_grant_errors_are_one_line(run, app, args, message):
    username = "st" + secrets.token_hex(4)
    assert run("users", "add", "--kind", "staff", "--username", username, "--name", "员工",
               "--password", PASSWORD).exit_code == 0
    result = run("staff", "grant", username, *args)
    assert result.exit_code in (1, 2) and message in result.output


def test_roles_only_for_staff_accounts(run, app):
    from tests.idp.accounts.factories import citizen_id

    username = "pp" + secrets.token_hex(4)
    result = run("users", "add", "--kind", "person", "--username", username, "--name", "市民",
                 "--password", PASSWORD, "--id-number", citizen_id(), "--role", "auditor")
    assert result.exit_code == 1 and "only staff" in result.output
    listed = json.loads(run("users", "list", "--kind", "person", "--json").output)
    assert username not in {r["username"] for r in listed}  # nothing half-written


def test_halls_add_and_remove_client(run, app, places):
    from sqlalchemy import select

    from idp.models.clients import OAuthClient

    def hall_of(client_id):
        with app.idp_services.work() as session:
            return session.scalar(select(OAuthClient.hall_code)
                                  .where(OAuthClient.client_id == client_id))

    assert run("halls", "add-client", places["hall"], "onegate-wallet").exit_code == 0
    assert hall_of("onegate-wallet") == places["hall"]
    missing = run("halls", "add-client", places["hall"], "no-such-client")
    assert missing.exit_code == 1 and "no client" in missing.output
    assert run("halls", "add-client", "no-such-hall", "onegate-wallet").exit_code == 1
    assert hall_of("onegate-wallet") == places["hall"]
    assert run("halls", "remove-client", "onegate-wallet").exit_code == 0
    assert hall_of("onegate-wallet") is None
    entries = audit_entries(app, "operator.hall.assign_client", "onegate-wallet")
    assert [e.data["hall"] for e in entries][-2:] == [places["hall"], None]
