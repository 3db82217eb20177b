"""Engine, sessions and migrations. Each package owns its tables and its own
Alembic branch (``<package>/migrations``); this module only composes them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker

#: Seconds a new PostgreSQL connection may take: a database that accepts and never
#: answers then costs a request this long (answered 503), not a worker thread forever.
CONNECT_TIMEOUT = 5

#: Packages with an Alembic branch, in the order their tables were introduced.
MIGRATING_PACKAGES = ("keys", "audit", "idp", "credentials", "verify", "admin")


def make_engine(url: str) -> Engine:
    """An Engine; SQLite gets WAL, foreign keys and a busy timeout on every connection;
    PostgreSQL a connect timeout, and a pre-ping on checkout so that connections that
    died with a database restart are replaced without a manual step."""
    if url.startswith("sqlite"):
        _private_sqlite_files(url)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args = {"connect_timeout": CONNECT_TIMEOUT} if url.startswith("postgresql") else {}
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20,
                         connect_args=connect_args)


def _private_sqlite_files(url: str) -> None:
    """Create the database file with mode 0600 before SQLite does, in a 0700 folder;
    SQLite gives its -wal and -shm files the database file's mode. Files left wider
    by an earlier version are narrowed."""
    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    database = Path(path)
    if not database.parent.exists():
        database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(database, os.O_RDWR | os.O_CREAT, 0o600))
    for name in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        if name.exists() and name.stat().st_mode & 0o077:
            name.chmod(0o600)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded rows usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One session, committed on success and rolled back on any error."""
    with factory.begin() as session:
        yield session


def _version_locations() -> list[str]:
    found = []
    for package in MIGRATING_PACKAGES:
        path = resources.files(package) / "migrations"
        if (Path(str(path)) / "versions").is_dir():
            found.append(str(Path(str(path)) / "versions"))
    return found


def alembic_config(engine: Engine, kek: bytes | None = None) -> AlembicConfig:
    """Alembic configured in code: no alembic.ini to keep in step. ``kek``: for
    migrations that must seal or MAC existing rows (keys_0002)."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(resources.files("admin") / "migrations"))
    cfg.set_main_option("version_locations", " ".join(_version_locations()))
    cfg.set_main_option("path_separator", "space")
    cfg.attributes["engine"] = engine
    if kek is not None:
        cfg.attributes["kek"] = kek
    return cfg


def upgrade(engine: Engine, kek: bytes | None = None) -> None:
    """Apply every package's migrations up to its head; raises RuntimeError when one
    needs ``kek`` and has none."""
    command.upgrade(alembic_config(engine, kek), "heads")


def pending_heads(engine: Engine) -> set[str]:
    """Heads not yet applied to the database (empty when up to date)."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return set(script.get_heads()) - current


def ping(engine: Engine) -> None:
    """Raise if the database cannot answer a trivial query."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
