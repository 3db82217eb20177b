"""Every package's Alembic branch creates exactly the tables its models describe,
on a fresh SQLite database and on the suite's backend (SQLite or PostgreSQL)."""

from __future__ import annotations

import importlib

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, create_engine, inspect

from admin import db

#: package -> modules whose import registers every table of its metadata
MODELS = {
    "keys": ["keys.models"],
    "audit": ["audit.models"],
    "idp": ["idp.models.accounts", "idp.models.login_throttle", "idp.models.sso_sessions",
            "idp.models.clients", "idp.models.tokens", "idp.models.consents",
            "idp.models.reauth_demands", "idp.models.device_authorizations",
            "idp.models.staff", "idp.models.daily_counts", "idp.models.sign_ins",
            "idp.models.reset_codes", "idp.models.mandates"],
    "credentials": ["credentials.models"],
    "verify": ["verify.models"],
}


def metadata_of(package: str) -> MetaData:
    modules = [importlib.import_module(name) for name in MODELS[package]]
    return modules[0].Base.metadata


def differences(connection, metadata: MetaData) -> list:
    tables = set(metadata.tables)

    def ours(obj, name, type_, reflected, compare_to) -> bool:
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table is None or table in tables

    context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                           "include_object": ours})
    return compare_metadata(context, metadata)


def test_every_migrating_package_is_checked_here():
    assert set(MODELS) == set(db.MIGRATING_PACKAGES) - {"admin"}


@pytest.mark.parametrize("package", list(MODELS))
def test_branch_has_one_root_labelled_after_its_package(package):
    script = ScriptDirectory.from_config(db.alembic_config(create_engine("sqlite://")))
    roots = [r for r in script.walk_revisions() if r.down_revision is None
             and package in (r.branch_labels or ())]
    assert len(roots) == 1


@pytest.mark.parametrize("package", list(MODELS))
def test_branch_matches_models_and_downgrades(package, tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'branch.db'}")
    config = db.alembic_config(engine)
    command.upgrade(config, f"{package}@head")
    metadata = metadata_of(package)
    with engine.connect() as conn:
        assert differences(conn, metadata) == []
    command.downgrade(config, f"{package}@base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}


def test_migrated_suite_database_matches_every_package(app):
    engine = app.services.engine
    assert db.pending_heads(engine) == set()
    with engine.connect() as conn:
        for package in MODELS:
            assert differences(conn, metadata_of(package)) == [], package
