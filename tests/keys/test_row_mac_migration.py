"""keys_0002 MACs the rows that exist, once, with the KEK, and only those whose sealed
key opens: forged rows stay untrusted, revoked rows lose their sealed key."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import column, create_engine, insert, table
from sqlalchemy.orm import sessionmaker

from admin import db
from keys import KeyRing, KeyState
from keys.algorithms import generate_private_key, private_key_to_der
from keys.envelope import seal
from keys.jwk import public_jwk, thumbprint
from keys.models import SigningKeyRow
from keys.sql_store import SqlKeyStore
from tests import pg
from tests.conftest import BACKEND, unavailable

KEK = bytes(range(32))
OWNER = "dept:legacy"
AT = datetime(2025, 1, 1, tzinfo=UTC)


def _legacy_row(state: str, *, sealed: bool) -> dict:
    private = generate_private_key("ES256")
    jwk = public_jwk(private.public_key())
    kid = thumbprint(jwk)
    blob = seal(private_key_to_der(private), kek=KEK, kid=kid) if sealed else b"junk"
    return {"kid": kid, "owner": OWNER, "alg": "ES256", "state": state, "public_jwk": jwk,
            "encrypted_private": blob, "created_at": AT, "activates_at": AT,
            "retired_at": AT if state == "retired" else None,
            "revoked_at": AT if state == "revoked" else None, "published": state != "revoked"}


@pytest.fixture
def fresh_url(tmp_path):
    """An empty database of the suite's backend (ONEGATE_TEST_DB)."""
    if BACKEND != "postgresql":
        yield f"sqlite:///{tmp_path / 'keys.db'}"
        return
    try:
        url, drop = pg.create_database(os.environ.get(
            "ONEGATE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    except pg.Unreachable as exc:
        unavailable(f"PostgreSQL is not reachable ({exc})")
    yield url
    drop()


def _at_keys_0001(url: str, rows: list[dict]):
    engine = create_engine(url)
    command.upgrade(db.alembic_config(engine), "keys_0001")
    # The table as keys_0001 made it: no row_mac column.
    legacy = table("signing_keys", *(column(c.name, c.type) for c in SigningKeyRow.__table__.c
                                     if c.name != "row_mac"))
    with engine.begin() as conn:
        conn.execute(insert(legacy), rows)
    return engine


def test_upgrade_macs_our_rows_and_leaves_forged_ones_untrusted(fresh_url):
    active, retired, revoked = (_legacy_row(s, sealed=True)
                                for s in ("active", "retired", "revoked"))
    forged = _legacy_row("retired", sealed=False)
    engine = _at_keys_0001(fresh_url, [active, retired, revoked, forged])
    command.upgrade(db.alembic_config(engine, KEK), "keys@head")
    store = SqlKeyStore(sessionmaker(engine, expire_on_commit=False))
    ring = KeyRing(store, KEK)
    assert {k["kid"] for k in ring.jwks(OWNER)["keys"]} == {active["kid"], retired["kid"]}
    assert ring.signer(OWNER, "ES256").kid == active["kid"]
    assert store.get(forged["kid"]).mac is None
    gone = store.get(revoked["kid"])
    assert (gone.state, gone.encrypted_private, gone.mac is not None) == \
        (KeyState.REVOKED, b"", True)
    engine.dispose()


def test_upgrade_without_the_kek_refuses_when_rows_exist(fresh_url):
    engine = _at_keys_0001(fresh_url, [_legacy_row("active", sealed=True)])
    with pytest.raises(RuntimeError, match="KEK"):
        command.upgrade(db.alembic_config(engine), "keys@head")
    engine.dispose()
