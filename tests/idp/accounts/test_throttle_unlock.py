"""``onegate accounts unlock``: a counter clerk lifts a throttle lock (audited)."""

import json

from click.testing import CliRunner
from sqlalchemy import select

from tests.idp.accounts.factories import login, make_person


def _unlock(app, *args):
    from admin import cli as admin_cli

    with app.app_context():
        return CliRunner().invoke(admin_cli.cli, ["accounts", "unlock", *args])


def test_clerk_unlock_by_any_spelling_lifts_the_lock_and_is_audited(lock_app, unique):
    from audit.models import AuditEntry

    person = make_person(lock_app, unique)
    attacker = lock_app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "198.51.100.23"
    wrong = [login(attacker, person["username"], "wrong password!").status_code
             for _ in range(4)]
    assert wrong == [401, 401, 401, 429]
    assert login(attacker, person["username"]).status_code == 429  # locked, even the right one
    local = person["phone"][3:]
    result = _unlock(lock_app, f"+86 {local[:3]}-{local[3:7]}-{local[7:]}", "--json",
                     "--actor", f"clerk:{unique}")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"subject": person["sub"], "account": True,
                                         "names_cleared": 4}
    assert login(attacker, person["username"]).status_code == 302
    with lock_app.services.sessions() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.actor == f"clerk:{unique}")).one()
    assert (entry.action, entry.subject) == ("account.throttle_unlock", person["sub"])


def test_unlock_of_an_unknown_name_clears_it_without_naming_it(lock_app, unique):
    client = lock_app.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.24"
    statuses = [login(client, f"ghost{unique}", "wrong password!").status_code
                for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    result = _unlock(lock_app, f"GHOST{unique}", "--json")
    assert result.exit_code == 0 and json.loads(result.output)["account"] is False
    assert f"ghost{unique}" not in result.output
    assert login(client, f"ghost{unique}", "wrong password!").status_code == 401
