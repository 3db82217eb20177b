"""Shared enterprise passwords are retired: migration idp_0011 invalidates them and
keeps each enterprise's links (as agents); an enterprise's old password no longer
logs in; new enterprises get none."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command

from tests.idp.accounts.factories import PASSWORD, citizen_id, make_person, uscc
from tests.idp.protocol.helpers import login
from tests.idp.representation.helpers import make_enterprise

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _account(conn, kind: str, username: str, password_hash: str, **extra) -> int:
    values = {"sub": username[:22], "kind": kind, "username": username,
              "password_hash": password_hash, "display_name": username,
              "locale": "zh-CN", "locked": False, "phone_verified": False,
              "email_verified": False, "created_at": NOW, "updated_at": NOW, **extra}
    names = ", ".join(values)
    marks = ", ".join(f":{n}" for n in values)
    conn.execute(sa.text(f"INSERT INTO idp_accounts ({names}) VALUES ({marks})"),  # noqa: S608
                 values)
    return conn.scalar(sa.text("SELECT id FROM idp_accounts WHERE username = :u"),
                       {"u": username})


def test_migration_retires_passwords_and_keeps_links_as_agents(tmp_path):
    from admin import db
    from idp import passwords

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    config = db.alembic_config(engine)
    command.upgrade(config, "idp_0010")
    old_hash = passwords.hash_password("shared by everyone")
    with engine.begin() as conn:
        company = _account(conn, "enterprise", "company", old_hash, uscc=uscc())
        person = _account(conn, "person", "zhangsan", passwords.hash_password(PASSWORD),
                          id_number=citizen_id())
        conn.execute(sa.text("INSERT INTO idp_authorisations (enterprise_account_id, "
                             "person_account_id, created_at) VALUES (:e, :p, :t)"),
                     {"e": company, "p": person, "t": NOW})
    command.upgrade(config, "idp_0011")
    with engine.connect() as conn:
        hashes = {r.username: r.password_hash for r in conn.execute(
            sa.text("SELECT username, password_hash FROM idp_accounts"))}
        row = conn.execute(sa.text("SELECT role, matters, valid_until, granted_by, "
                                   "withdrawn_at, valid_from FROM idp_authorisations")).one()
    assert not passwords.verify_password(hashes["company"], "shared by everyone")
    assert passwords.verify_password(hashes["zhangsan"], PASSWORD)
    assert tuple(row[:5]) == ("agent", None, None, "migration:idp_0011", None)
    assert row[5] is not None
    command.downgrade(config, "idp_0010")
    engine.dispose()


def test_enterprise_old_password_no_longer_logs_in(app, client, unique):
    from idp import passwords
    from idp.models.accounts import Account

    enterprise = make_enterprise(app, unique)
    with app.app_context(), app.services.sessions.begin() as session:
        account = session.get(Account, enterprise["id"])
        assert not passwords.verify_password(account.password_hash, "")
        # As before the migration: a shared password the whole office knew.
        account.password_hash = passwords.hash_password(PASSWORD)
    response = login(client, enterprise["username"])
    assert response.status_code != 302 or "/login" in response.headers["Location"]
    assert client.get("/account").status_code == 302  # not signed in
    page = client.get("/login").get_data(as_text=True)
    assert 'id="enterprise-notice"' in page


def test_enterprise_password_cannot_be_set_again(app, unique):
    import pytest

    from idp import accounts
    from idp.errors import InvalidAccountData
    from idp.models.accounts import Account

    enterprise = make_enterprise(app, unique)
    with app.app_context(), app.services.sessions.begin() as session:
        with pytest.raises(InvalidAccountData):
            accounts.change_password(session, session.get(Account, enterprise["id"]),
                                     "a long new password")


def test_person_still_logs_in(app, client, unique):
    person = make_person(app, unique)
    assert login(client, person["username"]).status_code == 302
