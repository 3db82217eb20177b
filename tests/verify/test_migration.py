"""The verify Alembic branch creates exactly the table verify.models describes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import create_engine, inspect

from verify.models import Base

VERSIONS = Path(__file__).resolve().parents[2] / "verify" / "migrations" / "versions"


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_branch_has_one_root_labelled_verify():
    modules = [_load(p) for p in sorted(VERSIONS.glob("*.py"))]
    roots = [m for m in modules if m.down_revision is None]
    assert [m.branch_labels for m in roots] == [("verify",)]


def test_migration_matches_models_and_downgrades():
    migration = _load(VERSIONS / "verify_0001_use_records.py")
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        context = MigrationContext.configure(conn)
        with Operations.context(context):
            migration.upgrade()
        assert compare_metadata(context, Base.metadata) == []
        with Operations.context(context):
            migration.downgrade()
        assert not inspect(conn).has_table("verify_use_records")
