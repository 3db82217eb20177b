"""Fixtures shared by every package's tests.

``ONEGATE_TEST_DB`` picks the backend (``sqlite``, default, or ``postgresql``);
``make test`` runs the whole suite once with each. Every PostgreSQL run creates its
own database (one per xdist worker) and drops it afterwards, so parallel runs never
collide. Under ``CI=true`` a missing service fails the run instead of skipping.
"""

from __future__ import annotations

import base64
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests import pg

BACKEND = os.environ.get("ONEGATE_TEST_DB", "sqlite")
IN_CI = os.environ.get("CI", "").lower() == "true"
ROOT = Path(__file__).resolve().parent.parent


def pytest_report_header(config) -> str:
    return f"onegate test database backend: {BACKEND}"


def unavailable(message: str) -> None:
    """Fail under CI, skip elsewhere, naming the missing thing."""
    if IN_CI:
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    if BACKEND == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'onegate.db'}"
        return
    if BACKEND != "postgresql":
        pytest.fail(f"ONEGATE_TEST_DB must be sqlite or postgresql, not {BACKEND!r}")
    admin_url = os.environ.get("ONEGATE_TEST_POSTGRES",
                               "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    try:
        url, drop = pg.create_database(admin_url)
    except pg.Unreachable as exc:
        unavailable(f"PostgreSQL is not reachable ({exc})")
    try:
        yield url
    finally:
        drop()


def test_settings(database_url: str, **extra) -> dict:
    settings = {
        "ENV": "test",
        "DATABASE_URL": database_url,
        "KEK": base64.urlsafe_b64encode(b"k" * 32).decode(),
        "SECRET_KEY": "test-" + "s" * 40,
        "ISSUER": "http://localhost",
        "LOG_LEVEL": "WARNING",
        # Verification limits count in the shared test database: keep unrelated tests
        # out of each other's budget (tests/verify/test_rate_limits.py sets its own).
        "VERIFY_RATE_LIMIT": 100_000,
        # No background refills of status slots racing the tests' own counts; the
        # reserve's tests turn it on (tests/credentials/test_slot_reserve.py).
        "STATUS_SLOT_RESERVE": 0,
    }
    settings.update(extra)
    return settings


@pytest.fixture(scope="session")
def migrated(database_url: str, tmp_path_factory) -> str:
    """The per-run database, migrated once, with provider keys."""
    from admin import bootstrap
    from admin.app import create_app

    app = create_app(test_settings(database_url), instance_path=tmp_path_factory.mktemp("inst"))
    bootstrap.initialise(app)
    app.services.engine.dispose()
    return database_url


@pytest.fixture
def app(migrated: str, tmp_path):
    from admin.app import create_app

    application = create_app(test_settings(migrated), instance_path=tmp_path)
    yield application
    application.services.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


def redis_or_unavailable(url: str):
    """A Redis client for ``url`` that answered a ping; fails under CI, skips elsewhere,
    when Redis cannot be reached."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        unavailable(f"Redis is not reachable at {url} ({exc})")
    return client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """A real `onegate serve` process on loopback."""

    def __init__(self, url: str, process: subprocess.Popen, env: dict):
        self.url, self.process, self.env = url, process, env

    def get(self, path: str, **kw) -> requests.Response:
        return requests.get(self.url + path, timeout=10, **kw)

    def stop(self) -> None:
        """Terminate the server, killing it if it has not exited within 15 s."""
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def wait_healthy(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    """Poll /healthz until it answers 200; fail if the process exits first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out = process.stdout.read() if process.stdout else ""
            pytest.fail(f"server exited with {process.returncode}: {out[-2000:]}")
        try:
            if requests.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass  # not listening yet, or too busy starting to answer within a second
        time.sleep(0.1)  # poll interval, not a wait for readiness
    pytest.fail(f"server at {url} not healthy within {seconds}s")


def start_server(database_url: str, tmp_path: Path, **extra) -> LiveServer:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.update({f"ONEGATE_{k}": str(v) for k, v in
                test_settings(database_url, ISSUER=url, PORT=port, **extra).items()})
    env["ONEGATE_INSTANCE_PATH"] = str(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "admin.cli", "serve", "--workers", "2", "--threads", "8"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_healthy(url, process)
    return LiveServer(url, process, env)


@pytest.fixture(scope="module")
def live_server(migrated: str, tmp_path_factory) -> Iterator[LiveServer]:
    server = start_server(migrated, tmp_path_factory.mktemp("live"))
    yield server
    server.stop()


@pytest.fixture
def unique() -> str:
    """A short random suffix for names that must not collide within a shared database."""
    return secrets.token_hex(4)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium through Playwright (never a downloaded browser);
    fails under CI=true when missing, skips elsewhere."""
    if not os.path.exists(CHROMIUM):
        unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright Python package is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def pytest_terminal_summary(terminalreporter) -> None:
    """Figures tests measured (the load test's rates and latencies), printed after the
    run, also from xdist workers; they are reported, never asserted."""
    reports = [r for key in ("passed", "failed") for r in terminalreporter.stats.get(key, [])]
    figures = [value for report in reports if report.when == "call"
               for name, value in report.user_properties if name == "figures"]
    if figures:
        terminalreporter.section("figures")
        for text in figures:
            terminalreporter.write_line(f"[{BACKEND}] {text}")
