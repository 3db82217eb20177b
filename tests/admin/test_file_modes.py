"""Files that hold secrets or the database are readable by their owner only."""

from __future__ import annotations

import stat

from admin import config, db
from admin.secrets_files import generated_secret


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_sqlite_database_wal_and_shm_are_created_0600(tmp_path):
    folder = tmp_path / "instance"
    engine = db.make_engine(f"sqlite:///{folder / 'onegate.db'}")
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1
            names = [folder / "onegate.db", folder / "onegate.db-wal", folder / "onegate.db-shm"]
            assert all(name.exists() for name in names)
            assert [mode(name) for name in names] == [0o600, 0o600, 0o600]
    finally:
        engine.dispose()
    assert mode(folder) == 0o700


def test_a_database_file_left_world_readable_is_narrowed(tmp_path):
    database = tmp_path / "old.db"
    database.write_bytes(b"")
    database.chmod(0o644)
    db.make_engine(f"sqlite:///{database}").dispose()
    assert mode(database) == 0o600


def test_generated_development_secrets_are_0600_in_a_0700_folder(tmp_path):
    folder = tmp_path / "fresh-instance"
    generated_secret(folder / "secret.key")
    assert mode(folder / "secret.key") == 0o600 and mode(folder) == 0o700


def test_development_kek_file_is_0600(tmp_path, monkeypatch):
    for name in ("ONEGATE_KEK", "ONEGATE_KEK_FILE", "ONEGATE_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    values = config.build({"ENV": "development"}, instance_path=tmp_path / "inst")
    assert len(values["KEK_BYTES"]) == 32
    keys = [p for p in (tmp_path / "inst").iterdir() if p.suffix == ".key"]
    assert {p.name for p in keys} >= {"kek.key", "secret.key"}
    assert all(mode(p) == 0o600 for p in keys)
