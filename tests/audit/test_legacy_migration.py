"""Rows written before keying survive the migration as they were (marked sha256, not
re-keyed) and are sealed by the first keyed entry; verify then holds them fixed."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from admin import db
from audit import chain, log, verification
from audit.trail import bind


def test_upgrade_keeps_legacy_rows_and_seal_pins_them(tmp_path, trail):
    engine = create_engine(f"sqlite:///{tmp_path / 'legacy.db'}")
    config = db.alembic_config(engine)
    command.upgrade(config, "audit_0001")
    at = datetime(2025, 1, 1, tzinfo=UTC)
    first = chain.entry_hash(1, chain.GENESIS, at, "system", "licence.issue", "lic", {})
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_entries (seq, at, actor, action, subject, data, "
                          "prev_hash, hash) VALUES (1, :at, 'system', 'licence.issue', "
                          "'lic', '{}', :prev, :hash)"),
                     {"at": at, "prev": chain.GENESIS, "hash": first})
    command.upgrade(config, "audit@head")
    sessions = sessionmaker(engine, expire_on_commit=False)
    bind(sessions, trail)
    with sessions.begin() as session:
        sealed = log.seal_legacy(session)
        assert (sealed.seq, sealed.data) == (2, {"legacy_entries": 1, "legacy_head": first})
        assert log.seal_legacy(session) is None  # once
    with sessions() as session:
        row = session.execute(text("SELECT hash, hash_alg FROM audit_entries WHERE seq = 1"))
        assert tuple(row.one()) == (first, chain.LEGACY)
        report = verification.verify_trail(session)
    assert report.failure is None and report.entries == 2
    engine.dispose()
