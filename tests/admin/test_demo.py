"""`onegate init --demo`: demo data loads once, prints logins, and those logins work."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from admin.cli import cli
from tests import conftest


def run_init(app):
    with app.app_context():
        return CliRunner().invoke(cli, ["init", "--demo"])


def test_demo_loads_once_prints_the_same_logins_and_they_work(app):
    first = run_init(app)
    assert first.exit_code == 0, first.output
    second = run_init(app)
    assert second.exit_code == 0, second.output
    assert first.output == second.output
    logins = json.loads((Path(app.config["ONEGATE"]["INSTANCE_PATH"]) /
                         "demo-logins.json").read_text())
    assert f"login zhangsan       password {logins['zhangsan']}" in first.output
    assert "demo-hall-tianhe" in first.output and "营业执照" in first.output
    assert first.output.count("1.2.156.3005.2.") == 2
    check_demo_logins_work(app, logins)


def check_demo_logins_work(app, logins: dict) -> None:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/login", data={"csrf_token": token, "login": "zhangsan",
                                           "password": logins["zhangsan"]})
    assert response.status_code == 302
    grant = client.post("/oauth/token", data={
        "grant_type": "client_credentials",
        "scope": "licenses:issue:11100000MB0143028R001"},
        auth=("demo-dept-gdamr", logins["demo-dept-gdamr"]))
    assert grant.status_code == 200, grant.get_json()
    assert grant.get_json()["token_type"].lower() == "bearer"


# ---- settings from the environment only: init --demo never half-finishes ----


@pytest.fixture
def empty_database(tmp_path):
    """A database of its own: these tests count what a failed run left behind."""
    if conftest.BACKEND == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    from tests import pg

    url, drop = pg.create_database(os.environ.get(
        "ONEGATE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    try:
        yield url
    finally:
        drop()


def environment_only(database_url: str, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEGATE_")}
    env.update({f"ONEGATE_{k}": str(v) for k, v in conftest.test_settings(
        database_url, ENV="development", **extra).items()})
    return env


def onegate(args: list[str], cwd, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "admin.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def demo_rows(database_url: str) -> tuple[int, int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            accounts = conn.scalar(text(
                "SELECT count(*) FROM idp_accounts WHERE username = 'zhangsan'"))
            clients = conn.scalar(text(
                "SELECT count(*) FROM oauth_clients WHERE client_id LIKE 'demo-%'"))
    finally:
        engine.dispose()
    return accounts, clients


def test_init_demo_with_environment_only_settings_creates_its_folder(empty_database, tmp_path):
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    env = environment_only(empty_database)
    first = onegate(["init", "--demo"], workdir, env)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "Traceback" not in first.stderr
    logins_file = workdir / "instance" / "demo-logins.json"
    assert oct(logins_file.stat().st_mode & 0o777) == "0o600"
    logins = json.loads(logins_file.read_text())
    for name in ("zhangsan", "operator", "demo-hall-tianhe",
                 "demo-dept-gdamr", "demo-dept-reuse"):
        assert logins[name] in first.stdout, name
    # The enterprise has no password: zhangsan, its legal representative, acts for it.
    assert "lingnan-tech" not in logins and "lingnan-tech" in first.stdout
    assert "(shown when first created)" not in first.stdout
    assert demo_rows(empty_database) == (1, 6)


def test_init_demo_that_cannot_write_its_logins_leaves_nothing_half_made(
        empty_database, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the instance folder should be")
    env = environment_only(empty_database, INSTANCE_PATH=blocker / "instance")
    failed = onegate(["init", "--demo"], tmp_path, env)
    assert failed.returncode == 1
    assert "demo data not loaded: cannot write" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert demo_rows(empty_database) == (0, 0)

    env["ONEGATE_INSTANCE_PATH"] = str(tmp_path / "instance")
    retried = onegate(["init", "--demo"], tmp_path, env)
    assert retried.returncode == 0, retried.stderr[-3000:]
    logins = json.loads((tmp_path / "instance" / "demo-logins.json").read_text())
    assert f"login zhangsan       password {logins['zhangsan']}" in retried.stdout


def test_a_lost_logins_file_gives_new_logins_that_work(app):
    first = run_init(app)
    assert first.exit_code == 0, first.output
    path = Path(app.config["ONEGATE"]["INSTANCE_PATH"]) / "demo-logins.json"
    before = json.loads(path.read_text())
    path.unlink()
    again = run_init(app)
    assert again.exit_code == 0, again.output
    assert "(shown when first created)" not in again.output
    after = json.loads(path.read_text())
    assert after["demo-dept-gdamr"] != before["demo-dept-gdamr"]
    assert after["demo-dept-gdamr"] in again.output
    check_demo_logins_work(app, after)
