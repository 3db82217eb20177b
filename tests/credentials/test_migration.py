"""The credentials Alembic branch creates exactly the tables credentials.models describes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import create_engine, inspect

from credentials.models import Base

VERSIONS = Path(__file__).resolve().parents[2] / "credentials" / "migrations" / "versions"


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_branch_has_one_root_labelled_credentials():
    modules = [_load(p) for p in sorted(VERSIONS.glob("*.py"))]
    roots = [m for m in modules if m.down_revision is None]
    assert [(m.revision, m.branch_labels) for m in roots] == [("credentials_0001",
                                                                ("credentials",))]


def test_migration_matches_models_and_downgrades():
    migration = _load(VERSIONS / "credentials_0001_catalogue_licences.py")
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        context = MigrationContext.configure(conn)
        with Operations.context(context):
            migration.upgrade()
        assert compare_metadata(context, Base.metadata) == []
        with Operations.context(context):
            migration.downgrade()
        assert not [t for t in inspect(conn).get_table_names() if t.startswith("credential")]


def test_migrated_database_matches_models(app):
    """On the suite's backend (SQLite or PostgreSQL), after every branch ran."""
    engine = app.extensions["onegate.engine"]
    with engine.connect() as conn:
        context = MigrationContext.configure(conn)
        diff = compare_metadata(context, Base.metadata)
    ours = [d for d in diff if "credential" in repr(d)]
    assert ours == []
