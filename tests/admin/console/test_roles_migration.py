"""idp_0007 turns the JSON list of roles into staff-role rows and back."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import JSON, Boolean, Integer, String, column, create_engine, insert, table, text

from admin import db
from edge.timestamps import UtcDateTime
from tests import pg
from tests.conftest import BACKEND, unavailable

AT = datetime(2025, 1, 1, tzinfo=UTC)
OLD_ACCOUNTS = table("idp_accounts", column("id", Integer), column("sub", String),
                     column("kind", String), column("username", String),
                     column("password_hash", String), column("display_name", String),
                     column("roles", JSON), column("locale", String), column("locked", Boolean),
                     column("phone_verified", Boolean), column("email_verified", Boolean),
                     column("created_at", UtcDateTime), column("updated_at", UtcDateTime))


@pytest.fixture
def fresh_url(tmp_path):
    if BACKEND != "postgresql":
        yield f"sqlite:///{tmp_path / 'roles.db'}"
        return
    try:
        url, drop = pg.create_database(os.environ.get(
            "ONEGATE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    except pg.Unreachable as exc:
        unavailable(f"PostgreSQL is not reachable ({exc})")
    yield url
    drop()


def _account(n: int, kind: str, roles: list[str]) -> dict:
    return {"id": n, "sub": f"sub{n}", "kind": kind, "username": f"user{n}",
            "password_hash": "x", "display_name": "x", "roles": roles, "locale": "zh-CN",
            "locked": False, "phone_verified": False, "email_verified": False,
            "created_at": AT, "updated_at": AT}


def test_old_roles_become_rows_and_come_back(fresh_url):
    engine = create_engine(fresh_url)
    config = db.alembic_config(engine)
    command.upgrade(config, "idp_0006")
    with engine.begin() as conn:
        conn.execute(insert(OLD_ACCOUNTS), [
            _account(1, "staff", ["operator", "auditor"]), _account(2, "staff", ["clerk"]),
            _account(3, "person", [])])
    command.upgrade(config, "idp_0007")
    with engine.connect() as conn:
        rows = sorted(conn.execute(text(
            "SELECT account_id, role, scope, granted_by FROM idp_staff_roles")).all())
        halls = conn.execute(text("SELECT code FROM idp_halls")).scalars().all()
    assert [tuple(r[:3]) for r in rows] == [(1, "auditor", ""), (1, "platform-admin", ""),
                                            (2, "clerk", "unassigned")]
    assert {r[3] for r in rows} == {"migration:idp_0007"}
    assert halls == ["unassigned"]
    command.downgrade(config, "idp_0006")
    with engine.connect() as conn:
        back = dict(conn.execute(text("SELECT id, roles FROM idp_accounts")).all())
    as_lists = {k: (v if isinstance(v, list) else json.loads(v))
                for k, v in back.items()}
    assert as_lists == {1: ["auditor", "operator"], 2: ["clerk"], 3: []}
    engine.dispose()
