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


#: A test KEK; the chain key is derived from it as admin derives it from ONEGATE_KEK.
KEK = b"a" * 32


@pytest.fixture
def ring():
    from keys import InMemoryKeyStore, KeyRing

    return KeyRing(InMemoryKeyStore(), KEK)


@pytest.fixture
def trail(ring):
    from admin.audit_trail import RingCheckpointSigner
    from audit.keying import derive_chain_key
    from audit.trail import Trail

    return Trail(chain_key=derive_chain_key(KEK), signer=RingCheckpointSigner(ring),
                 issuer="https://audit.test", checkpoint_every=1000)


@pytest.fixture
def sessions(audit_engine, trail):
    from audit.trail import bind

    with audit_engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries"))
        conn.execute(text("DELETE FROM audit_checkpoints"))
    factory = sessionmaker(audit_engine, expire_on_commit=False)
    bind(factory, trail)
    return factory


def services_for(sessions, *, publisher=None):
    """AuditServices over a test session factory (its bound Trail), as admin builds
    them for an app; ``publisher``: one with a test clock, say."""
    from audit.publishing import Publisher
    from audit.services import AuditServices
    from audit.trail import INFO_KEY
    from edge.unit_of_work import UnitOfWork

    return AuditServices(unit_of_work=UnitOfWork(sessions), sessions=sessions,
                         trail=sessions.kw["info"][INFO_KEY],
                         publisher=publisher or Publisher(sessions),
                         issuer="https://audit.test")


def run_cli(sessions, *args):
    """``onegate audit ...`` over ``sessions``, without an app."""
    from click.testing import CliRunner

    from audit.cli import group

    services = services_for(sessions)
    return CliRunner().invoke(group(lambda: services), list(args))
