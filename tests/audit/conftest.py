"""An audit database of its own: tampering tests must not break the shared chain."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from audit.models import Base
from tests import pg
from tests.conftest import BACKEND, unavailable


@pytest.fixture(scope="module")
def audit_engine(tmp_path_factory):
    if BACKEND == "postgresql":
        admin_url = os.environ.get("ONEGATE_TEST_POSTGRES",
                                   "postgresql+psycopg://postgres@127.0.0.1:5432/test")
        try:
            url, drop = pg.create_database(admin_url)
        except pg.Unreachable as exc:
            unavailable(f"PostgreSQL is not reachable ({exc})")
    else:
        url, drop = f"sqlite:///{tmp_path_factory.mktemp('audit') / 'audit.db'}", lambda: None
    from admin.db import make_engine

    engine = make_engine(url) if url.startswith("sqlite") else create_engine(url)
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()
    drop()


@pytest.fixture
def sessions(audit_engine):
    with audit_engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries"))
    return sessionmaker(audit_engine, expire_on_commit=False)
