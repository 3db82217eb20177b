"""``onegate backup`` and ``onegate restore``: the database, with the signing keys in
it (sealed under the KEK: keys.envelope), as one archive (admin.backup_archive).

- SQLite: a consistent copy through SQLite's online backup API while the service runs;
  restored through the same API into the target database.
- PostgreSQL: ``pg_dump``/``pg_restore`` in custom format (admin.pg_tools).

A restore checks everything before it touches the database: the archive's checksum,
its database kind against the target's, the KEK check value against the running KEK
(the keys, TOTP seeds and keyed hashes in the dump open only under the KEK they were
made with), and that the target is empty (``force`` empties it first). After loading
it clears every sign-in the backup carried (idp.restored: see SECURITY.md) and
republishes the status lists (credentials.status.republish_all).
"""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, inspect, text

from admin import db, pg_tools
from admin.backup_archive import BackupError, Manifest, kek_check, read, write
from credentials import status
from idp import restored


@dataclass(frozen=True)
class Restored:
    """What a restore loaded and cleared."""

    manifest: Manifest
    cleared: dict[str, int]
    status_lists: int


def kind(engine: Engine) -> str:
    """``sqlite`` or ``postgresql``."""
    return "postgresql" if engine.dialect.name == "postgresql" else "sqlite"


def schema_heads(engine: Engine) -> dict[str, str]:
    """Each package's applied Alembic head (revision ids begin with the package)."""
    with engine.connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
    return {head.split("_", 1)[0]: head for head in sorted(heads)}


def create(services, archive: Path) -> Manifest:
    """Write a backup of the running database to ``archive``; raises BackupError."""
    engine = services.engine
    manifest = {"created_at": datetime.now(UTC).isoformat(), "database": kind(engine),
                "server_version": _server_version(engine),
                "schema_heads": schema_heads(engine),
                "kek_check": kek_check(services.settings["KEK_BYTES"])}
    with tempfile.TemporaryDirectory(prefix="onegate-backup-") as folder:
        dump = Path(folder) / "dump"
        if manifest["database"] == "postgresql":
            manifest["pg_dump_version"] = pg_tools.client_version()
            pg_tools.dump(engine.url.render_as_string(hide_password=False), dump)
        else:
            _sqlite_copy(engine, dump)
        return write(archive, dump, manifest)


def _server_version(engine: Engine) -> str:
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            return str(connection.execute(text("SHOW server_version")).scalar())
        return str(connection.execute(text("SELECT sqlite_version()")).scalar())


def _sqlite_copy(engine: Engine, target: Path) -> None:
    raw = engine.raw_connection()
    try:
        with sqlite3.connect(target) as copy:
            raw.driver_connection.backup(copy)
        copy.close()
    finally:
        raw.close()


def restore(services, archive: Path, *, force: bool = False) -> Restored:
    """Load ``archive`` into the configured database, then clear sign-ins and republish
    status lists. Raises BackupError (damaged archive, another database kind, another
    KEK, a database that is not empty without ``force``, a failed load)."""
    engine = services.engine
    with tempfile.TemporaryDirectory(prefix="onegate-restore-") as folder:
        manifest, dump = read(archive, Path(folder))
        _check(services, engine, manifest, force)
        if force:
            _empty(engine)
        if manifest.kind == "postgresql":
            pg_tools.restore(engine.url.render_as_string(hide_password=False), dump)
        else:
            _sqlite_load(engine, dump)
    engine.dispose()  # no pooled connection may remember the schema from before
    return _after_load(services, manifest)


def _check(services, engine: Engine, manifest: Manifest, force: bool) -> None:
    if manifest.kind != kind(engine):
        raise BackupError(f"this is a {manifest.kind} backup; ONEGATE_DATABASE_URL is "
                          f"{kind(engine)}: restore into a database of the same kind")
    if manifest.data.get("kek_check") != kek_check(services.settings["KEK_BYTES"]):
        raise BackupError("the backup was made under another key-encryption key: restore "
                          "needs the KEK of the instance that made it (ONEGATE_KEK or "
                          "ONEGATE_KEK_FILE); its keys and secrets cannot be opened otherwise")
    unknown = sorted(set(manifest.data.get("schema_heads", {}).values()) - known_revisions(engine))
    if unknown:
        raise BackupError(f"the backup's schema ({', '.join(unknown)}) is newer than this "
                          "version of onegate: restore it with the version that made it")
    tables = inspect(engine).get_table_names()
    if tables and not force:
        raise BackupError(f"the database is not empty ({len(tables)} tables): restore "
                          "into a new, empty database, or pass --force to replace "
                          "everything in it")


def known_revisions(engine: Engine) -> set[str]:
    """Every migration revision this version of onegate has."""
    script = ScriptDirectory.from_config(db.alembic_config(engine))
    return {revision.revision for revision in script.walk_revisions()}


def _empty(engine: Engine) -> None:
    metadata = MetaData()
    metadata.reflect(engine)
    metadata.drop_all(engine)


def _sqlite_load(engine: Engine, dump: Path) -> None:
    raw = engine.raw_connection()
    try:
        with sqlite3.connect(dump) as source:
            source.backup(raw.driver_connection)
        source.close()
    except sqlite3.Error as exc:
        raise BackupError(f"the SQLite dump could not be loaded: {exc}") from None
    finally:
        raw.close()


def _after_load(services, manifest: Manifest) -> Restored:
    with db.transaction(services.sessions) as session:
        cleared = restored.clear_sign_ins(session)
        lists = status.republish_all(session)
    return Restored(manifest, cleared, lists)
