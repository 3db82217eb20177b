import json

import pytest
from click.testing import CliRunner

from tests.idp.accounts.factories import citizen_id, uscc


@pytest.fixture
def run(app):
    """Invoke ``onegate users ...``: through admin.cli once it registers the group,
    else the group itself inside the test app's context."""
    from admin import cli as admin_cli
    from idp.cli import users_group
    from tests.idp.services import idp_services

    registered = "users" in admin_cli.cli.commands

    def _run(*args, input=None):
        runner = CliRunner()
        with app.app_context():
            if registered:
                return runner.invoke(admin_cli.cli, ["users", *args], input=input,
                                     obj=None, standalone_mode=True)
            return runner.invoke(users_group(idp_services(app)), list(args), input=input)

    return _run


def test_add_person_with_password_stdin_json_and_list(run, unique):
    number = citizen_id()
    result = run("add", "--kind", "person", "--username", f"cli{unique}", "--name", "李四",
                 "--password-stdin", "--id-number", number, "--phone", "13912345678"[:3] +
                 unique[:8].translate(str.maketrans("abcdef", "123456")), "--json",
                 input="long enough password\n")
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)
    assert row["id_number"] == number and row["kind"] == "person" and "password" not in str(row)
    listed = json.loads(run("list", "--kind", "person", "--json").output)
    assert row["sub"] in {r["sub"] for r in listed}


def test_invalid_id_number_is_one_readable_line(run, unique):
    result = run("add", "--kind", "person", "--username", f"bad{unique}", "--name", "王五",
                 "--password", "long enough password", "--id-number", "110105194912310021")
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: id_number:"), result.output


def test_enterprise_staff_authorise_lock_unlock(run, unique):
    code = uscc()
    assert run("add", "--kind", "enterprise", "--username", f"ent{unique}", "--name", "某公司",
               "--password", "long enough password", "--uscc", code).exit_code == 0
    person = run("add", "--kind", "person", "--username", f"agent{unique}", "--name", "赵六",
                 "--password", "long enough password", "--id-number", citizen_id(),
                 "--authorise-for", code, "--json")
    assert person.exit_code == 0, person.output
    staff = run("add", "--kind", "staff", "--username", f"clerk{unique}", "--name", "窗口",
                "--password", "long enough password", "--role", "operator", "--role", "auditor",
                "--json")
    assert staff.exit_code == 0, staff.output
    # 'operator' (before 0.3) is a platform administrator
    assert json.loads(staff.output)["roles"] == ["auditor", "platform-admin"]
    locked = run("lock", f"agent{unique}", "--reason", "lost card", "--json")
    assert json.loads(locked.output)["locked"] is True
    assert "unlocked" in run("unlock", f"agent{unique}").output
    missing = run("lock", f"nobody{unique}")
    assert missing.exit_code == 1 and "no account" in missing.output
