"""verify_0002 labels the staff names recorded before it as the department's statement."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from admin import db


def test_staff_names_recorded_before_are_labelled_stated_by_department(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = db.alembic_config(engine)
    command.upgrade(config, "verify_0001")
    with engine.begin() as conn:
        for staff in ("窗口-07", None):
            conn.execute(text(
                "INSERT INTO verify_use_records (at, kind, client_id, staff, "
                "licence_identifier, holder_code, purpose, result) VALUES "
                "('2026-01-01 00:00:00', 'verify', 'c', :staff, 'L', 'H', 'p', 'valid')"),
                {"staff": staff})
    command.upgrade(config, "verify_0002")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT staff, staff_source FROM verify_use_records "
                                 "ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [("窗口-07", "stated_by_department"), (None, None)]
    engine.dispose()
