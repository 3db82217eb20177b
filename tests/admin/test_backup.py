"""`onegate backup` and `onegate restore`: a restored instance works, its old licences
verify and its old sessions are gone; everything hostile is refused before the
database is touched."""

from __future__ import annotations

import base64
import io
import json
import os
import secrets
import subprocess
import sys
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import func, inspect, select

from admin.app import create_app
from admin.cli import cli
from credentials.models import Licence
from idp.models.accounts import Account
from idp.models.device_authorizations import DeviceAuthorization
from idp.models.sso_sessions import SsoParticipant, SsoSession
from idp.models.tokens import AuthorizationCode, RefreshToken, TokenFamily
from tests import conftest, pg
from tests.credentials.helpers import dept_headers, make_department

OTHER_KEK = base64.urlsafe_b64encode(b"o" * 32).decode()


def run(app, *args):
    with app.app_context():
        return CliRunner().invoke(cli, ["--operator", "carol", *args])


@pytest.fixture
def empty_url(tmp_path):
    """A new, empty database of the backend under test."""
    if conftest.BACKEND == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    url, drop = pg.create_database("postgresql+psycopg://postgres@127.0.0.1:5432/test")
    yield url
    drop()


@pytest.fixture
def make_app(tmp_path):
    made = []

    def build(url: str, **extra):
        app = create_app(conftest.test_settings(url, **extra),
                         instance_path=tmp_path / f"inst{len(made)}")
        made.append(app)
        return app

    yield build
    for app in made:
        app.services.engine.dispose()


def _sign_in(app, unique: str) -> str:
    """An account with a live SSO session, a refresh token family and a code."""
    sid, now = secrets.token_hex(8), datetime.now(UTC)
    with app.services.sessions.begin() as session:
        account = Account(sub=f"s{unique}", kind="person", username=f"u{unique}",
                          password_hash="x", display_name="王五")
        session.add(account)
        session.flush()
        session.add(SsoSession(sid=sid, account_id=account.id, auth_time=now, acr="loa-2",
                               amr=["pwd"], expires_at=now + timedelta(hours=8)))
        session.flush()
        session.add(SsoParticipant(sid=sid, client_id="hall"))
        session.add(TokenFamily(family_id=f"f{unique}", client_id="hall", sub=account.sub,
                                sid=sid, auth_time=0, expires_at=now + timedelta(days=30)))
        session.add(RefreshToken(token_hash=secrets.token_hex(32), family_id=f"f{unique}"))
        session.add(AuthorizationCode(code_hash=secrets.token_hex(32), client_id="hall",
                                      redirect_uri="https://hall.example/cb", sub=account.sub,
                                      auth_time=0, expires_at=now + timedelta(minutes=1)))
        session.add(DeviceAuthorization(device_code_hash=secrets.token_hex(32),
                                        user_code_hash="u", purpose="terminal",
                                        client_id="kiosk", interval=5, status="approved",
                                        sub=account.sub, sid=sid,
                                        expires_at=now + timedelta(minutes=10)))
    return sid


@pytest.fixture
def licensed(app, client, unique):
    """The source instance: a department's licence, a signed-in person, a backup."""
    dept = make_department(app, unique)
    issued = client.post("/api/v1/licenses", json=dept.body(), headers=dept_headers(app, dept))
    assert issued.status_code == 201, issued.get_json()
    sid = _sign_in(app, unique)
    return dept, issued.get_json(), sid


def _serve(url: str, instance: Path) -> conftest.LiveServer:
    """`onegate serve` on ``url`` under the issuer the licences were signed for (the
    restored instance keeps its ONEGATE_ISSUER: licences name it)."""
    port = conftest.free_port()
    env = dict(os.environ)
    env.update({f"ONEGATE_{k}": str(v) for k, v in
                conftest.test_settings(url, PORT=port).items()})
    env["ONEGATE_INSTANCE_PATH"] = str(instance)
    process = subprocess.Popen(
        [sys.executable, "-m", "admin.cli", "serve", "--workers", "1", "--threads", "4"],
        cwd=conftest.ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    server = conftest.LiveServer(f"http://127.0.0.1:{port}", process, env)
    try:
        conftest.wait_healthy(server.url, process)
    except BaseException:
        server.stop()
        raise
    return server


def _backup(app, tmp_path: Path) -> tuple[Path, dict]:
    archive = tmp_path / "onegate.backup"
    result = run(app, "backup", str(archive), "--json")
    assert result.exit_code == 0, result.output
    return archive, json.loads(result.output)


def _count(app, model, *where) -> int:
    with app.services.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_restore_into_an_empty_instance_verifies_old_licences_and_ends_sessions(
        app, licensed, tmp_path, empty_url, make_app):
    dept, licence, sid = licensed
    archive, manifest = _backup(app, tmp_path)
    assert manifest["database"] == conftest.BACKEND
    assert manifest["schema_heads"]["keys"] == "keys_0003"
    assert len(manifest["sha256"]) == 64 and manifest["created_at"]
    assert "kek_check" not in manifest  # printed without it; it is in the archive only
    assert archive.stat().st_mode & 0o077 == 0

    fresh = make_app(empty_url, SECRET_KEY="another-" + "z" * 40)
    result = run(fresh, "restore", str(archive), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["cleared"]["sso_sessions"] >= 1 and report["cleared"]["refresh_tokens"] >= 1
    assert report["status_lists_republished"] >= 1

    restored = make_app(empty_url, SECRET_KEY="another-" + "z" * 40)
    client = restored.test_client()
    assert client.get("/healthz").status_code == 200
    answer = client.post("/api/v1/verify", json={"credential": licence["sd_jwt"]})
    assert answer.status_code == 200 and answer.get_json()["valid"] is True, answer.get_json()
    offline = client.post("/api/v1/verify", json={"credential": licence["offline_qr"]})
    assert offline.get_json()["valid"] is True
    assert _count(restored, Licence, Licence.identifier == licence["identifier"]) == 1
    for model in (SsoSession, SsoParticipant, RefreshToken, TokenFamily, AuthorizationCode,
                  DeviceAuthorization):
        assert _count(restored, model) == 0, model
    assert _count(restored, Account, Account.username.like("u%")) >= 1  # people stay
    # The restored instance can sign again for the department.
    assert client.post("/api/v1/licenses", json=dept.body(),
                       headers=dept_headers(restored, dept)).status_code == 201
    # And `onegate serve` on it answers the verify API over HTTP.
    server = _serve(empty_url, tmp_path / "served")
    try:
        served = requests.post(server.url + "/api/v1/verify", timeout=10,
                               json={"credential": licence["sd_jwt"]})
        assert served.status_code == 200 and served.json()["valid"] is True, served.json()
        assert server.get("/readyz").status_code == 200
    finally:
        server.stop()


def test_the_archive_holds_neither_the_kek_nor_the_secret_key(app, licensed, tmp_path):
    archive, _ = _backup(app, tmp_path)
    data = archive.read_bytes()
    settings = app.services.settings
    for secret in (settings["KEK_BYTES"], base64.urlsafe_b64encode(settings["KEK_BYTES"]),
                   settings["SECRET_KEY"].encode()):
        assert secret not in data


def test_restore_into_a_database_that_is_not_empty_is_refused(app, licensed, tmp_path):
    archive, _ = _backup(app, tmp_path)
    before = _count(app, Licence)
    result = run(app, "restore", str(archive))
    assert result.exit_code == 1 and "the database is not empty" in result.output
    assert "--force" in result.output and _count(app, Licence) == before


def test_force_replaces_a_database_that_is_not_empty(app, licensed, tmp_path, empty_url,
                                                     make_app):
    archive, _ = _backup(app, tmp_path)
    target = make_app(empty_url)
    assert run(target, "init").exit_code == 0
    assert inspect(target.services.engine).get_table_names()
    result = run(target, "restore", str(archive), "--force", "--json")
    assert result.exit_code == 0, result.output
    restored = make_app(empty_url)
    identifier = licensed[1]["identifier"]
    assert _count(restored, Licence, Licence.identifier == identifier) == 1


def test_restore_under_another_kek_is_refused_before_anything_is_written(
        app, licensed, tmp_path, empty_url, make_app):
    archive, _ = _backup(app, tmp_path)
    other = make_app(empty_url, KEK=OTHER_KEK)
    result = run(other, "restore", str(archive))
    assert result.exit_code == 1
    assert "another key-encryption key" in result.output and "ONEGATE_KEK" in result.output
    assert inspect(other.services.engine).get_table_names() == []


def test_a_damaged_archive_is_refused(app, licensed, tmp_path, empty_url, make_app):
    archive, _ = _backup(app, tmp_path)
    damaged = tmp_path / "damaged.backup"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w") as dst:
        for member in src.getmembers():
            body = src.extractfile(member).read()
            if member.name != "manifest.json":
                body = body[:100] + bytes([body[100] ^ 1]) + body[101:]  # one bit flipped
            dst.addfile(member, io.BytesIO(body))
    target = make_app(empty_url)
    result = run(target, "restore", str(damaged))
    assert result.exit_code == 1 and "damaged" in result.output and "checksum" in result.output
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a tar at all")
    assert "not a readable onegate backup" in run(target, "restore", str(junk)).output
    assert inspect(target.services.engine).get_table_names() == []


def test_backup_refuses_to_overwrite_a_file(app, tmp_path):
    existing = tmp_path / "there"
    existing.write_text("keep me")
    result = run(app, "backup", str(existing))
    assert result.exit_code == 1 and "exists" in result.output
    assert existing.read_text() == "keep me"


@pytest.mark.skipif(conftest.BACKEND != "postgresql", reason="pg_dump is PostgreSQL's")
def test_a_missing_pg_dump_is_named(app, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    result = run(app, "backup", str(tmp_path / "b"))
    assert result.exit_code == 1 and "pg_dump not found on PATH" in result.output
    assert not (tmp_path / "b").exists()


def _rewrite_manifest(archive: Path, target: Path, change) -> None:
    with tarfile.open(archive) as src, tarfile.open(target, "w") as dst:
        for member in src.getmembers():
            body = src.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(body)
                change(manifest)
                body = json.dumps(manifest).encode()
                member.size = len(body)
            dst.addfile(member, io.BytesIO(body))


def test_a_backup_of_a_newer_schema_or_another_database_kind_is_refused(
        app, licensed, tmp_path, empty_url, make_app):
    archive, _ = _backup(app, tmp_path)
    target = make_app(empty_url)
    newer = tmp_path / "newer.backup"
    _rewrite_manifest(archive, newer, lambda m: m["schema_heads"].update(keys="keys_9999"))
    result = run(target, "restore", str(newer))
    assert result.exit_code == 1 and "newer than this version" in result.output
    other_kind = tmp_path / "kind.backup"
    swap = {"sqlite": "postgresql", "postgresql": "sqlite"}

    def change(manifest):
        manifest["database"] = swap[manifest["database"]]

    _rewrite_manifest(archive, other_kind, change)
    result = run(target, "restore", str(other_kind))
    assert result.exit_code == 1
    assert "is not a readable onegate backup" in result.output or \
        "restore into a database of the same kind" in result.output
    assert inspect(target.services.engine).get_table_names() == []


def _fake_tool(folder: Path, name: str, message: str) -> None:
    script = folder / name
    script.write_text(f"#!/bin/sh\necho '{message}' >&2\nexit 1\n")
    script.chmod(0o700)


@pytest.mark.parametrize("tool,message,expected", [
    ("pg_dump", "pg_dump: error: aborting because of server version mismatch\n"
                "pg_dump: detail: server version: 17.2; pg_dump version: 15.20",
     "older than the server"),
    ("pg_restore", "pg_restore: error: unsupported version (1.16) in file header",
     "made by a newer pg_dump"),
    ("pg_dump", "pg_dump: error: connection failed", "pg_dump failed: pg_dump: error"),
])
def test_client_tool_failures_are_one_readable_line(tmp_path, monkeypatch, tool, message,
                                                    expected):
    from admin import pg_tools
    from admin.backup_archive import BackupError

    _fake_tool(tmp_path, tool, message)
    monkeypatch.setenv("PATH", str(tmp_path))
    url = "postgresql+psycopg://postgres:sekrit@127.0.0.1:5432/none"
    step = pg_tools.dump if tool == "pg_dump" else pg_tools.restore
    with pytest.raises(BackupError) as caught:
        step(url, tmp_path / "file")
    assert expected in str(caught.value) and "\n" not in str(caught.value)
    assert "sekrit" not in str(caught.value)


def test_a_backup_into_a_missing_folder_is_one_line(app, tmp_path):
    result = run(app, "backup", str(tmp_path / "no" / "such" / "folder" / "b.backup"))
    assert result.exit_code == 1 and "cannot write" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
