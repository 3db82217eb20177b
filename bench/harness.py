"""What `make bench` and `make bench-servers` share: a fresh onegate instance made with
the app's own CLI, servers pinned to core 0, wrk pinned to core 1.

Nothing here reaches into the app's internals: the instance is made by `onegate init
--demo`, the servers by `onegate serve` and bench/reference_serve.py, the data the
load needs (a token, a licence, a login form) is fetched over HTTP.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SERVER_CORE, LOAD_CORE = "0", "1"
CONNECTIONS = 32
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/9")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen, seconds: float = 90) -> None:
    """Poll ``url`` until it answers 200; raises RuntimeError if the process dies first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before {url}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)  # poll interval, not a wait for readiness
    raise RuntimeError(f"{url} not ready within {seconds}s")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM (graceful), then kill after 20 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def worker_rss_kib(process: subprocess.Popen) -> int | None:
    """Largest resident set (KiB) among the server's child processes (its workers)."""
    best = None
    try:
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    except OSError:
        return None
    for pid in children:
        try:
            text = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmRSS:\s+(\d+) kB", text)
        if match:
            best = max(best or 0, int(match.group(1)))
    return best


@dataclass
class Instance:
    """A fresh instance (SQLite file, or a PostgreSQL database created for the run)."""

    db: str = "sqlite"
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="bench-")))
    port: int = field(default_factory=free_port)
    database: str | None = None
    extra: dict = field(default_factory=dict)  # more ONEGATE_* settings
    logins: dict = field(default_factory=dict)
    licence: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        if self.db == "postgresql":
            database_url = f"{POSTGRES}/{self.database}"
        else:
            database_url = f"sqlite:///{self.workdir / 'onegate.db'}"
        return {**os.environ, "ONEGATE_ENV": "test", "ONEGATE_DATABASE_URL": database_url,
                "ONEGATE_INSTANCE_PATH": str(self.workdir), "ONEGATE_PORT": str(self.port),
                "ONEGATE_ISSUER": self.url, "ONEGATE_REDIS_URL": REDIS,
                "ONEGATE_KEK": base64.urlsafe_b64encode(b"bench-kek-".ljust(32, b"k")).decode(),
                "ONEGATE_SECRET_KEY": "bench-" + "s" * 40, "ONEGATE_LOG_LEVEL": "WARNING",
                # the bench measures the work, not the limits that would refuse it
                "ONEGATE_TOKEN_RATE_LIMIT": str(10**9), "ONEGATE_VERIFY_RATE_LIMIT": str(10**9),
                # the login row repeats one account's login from 32 connections: with
                # the default budgets (3 attempts in flight, then waits) most answers
                # were 429 and the row measured the throttle, not the login
                "ONEGATE_LOGIN_DELAY_AFTER": str(10**9), "ONEGATE_LOGIN_LOCK_AFTER": str(10**9),
                "PYTHONPATH": str(ROOT), **self.extra}

    def create(self, name: str = "bench") -> None:
        """Create the database and load the demo data with `onegate init --demo`."""
        if self.db == "postgresql":
            import psycopg

            self.database = f"{name}_{os.getpid()}"
            dsn = POSTGRES.replace("postgresql+psycopg", "postgresql") + "/postgres"
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.database}"')
                conn.execute(f'CREATE DATABASE "{self.database}"')
        if REDIS:
            import redis

            redis.Redis.from_url(REDIS).flushdb()  # our own DB number: counters of old runs
        out = subprocess.run([BIN / "onegate", "init", "--demo"], env=self.env(), cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
        self.logins = json.loads((self.workdir / "demo-logins.json").read_text())
        section = out.split("demo licences:", 1)[1].splitlines()
        self.licence = next(line.split()[0] for line in section if line.strip())

    def drop(self) -> None:
        if self.database:
            import psycopg

            dsn = POSTGRES.replace("postgresql+psycopg", "postgresql") + "/postgres"
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        shutil.rmtree(self.workdir, ignore_errors=True)

    def serve(self, server: str, workers: int = 1, threads: int = 8, port: int | None = None,
              pin: bool = True) -> subprocess.Popen:
        """`onegate serve` (pinned to SERVER_CORE unless ``pin`` is false) on ``port``
        (default the issuer's); returns once /readyz answers 200."""
        port = port or self.port
        log = (self.workdir / f"serve-{server}-{port}.log").open("a")
        command = [BIN / "onegate", "serve", "--workers", str(workers), "--threads",
                   str(threads), "--server", server, "--port", str(port)]
        process = subprocess.Popen(
            (["taskset", "-c", SERVER_CORE] if pin else []) + command, env=self.env(),
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_ready(f"http://127.0.0.1:{port}/readyz", process)
        return process


def serve_reference(server: str, workers: int = 1, threads: int = 8
                    ) -> tuple[str, subprocess.Popen]:
    port = free_port()
    process = subprocess.Popen(
        ["taskset", "-c", SERVER_CORE, sys.executable, str(ROOT / "bench/reference_serve.py"),
         "--port", str(port), "--server", server, "--workers", str(workers),
         "--threads", str(threads)], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_ready(url + "/readyz", process)
    return url, process


@dataclass
class Load:
    """One request wrk repeats: method, URL, headers, body, and what success is."""

    url: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    #: wrk connections; 0: CONNECTIONS (32)
    connections: int = 0

    def lua(self) -> str:
        lines = [f"wrk.method = {json.dumps(self.method)}",
                 f"wrk.body = {json.dumps(self.body)}"]
        lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}"
                  for k, v in self.headers.items()]
        return "\n".join(lines) + "\n"


def wrk(load: Load, seconds: float, warmup: float, timeout: int = 10) -> dict:
    """Requests/s of ``load`` (2xx/3xx only) after a warm-up; wrk pinned to LOAD_CORE."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(load.lua())
    try:
        connections = load.connections or CONNECTIONS
        if warmup:
            _wrk_once(script.name, load.url, warmup, timeout, connections)
        return _wrk_once(script.name, load.url, seconds, timeout, connections)
    finally:
        os.unlink(script.name)


def _wrk_once(script: str, url: str, seconds: float, timeout: int, connections: int) -> dict:
    out = subprocess.run(
        ["taskset", "-c", LOAD_CORE, "wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s",
         f"--timeout={timeout}s", "--latency", "-s", script, url],
        capture_output=True, text=True, check=True).stdout
    total = int(re.search(r"(\d+) requests in ([\d.]+)(\w+)", out).group(1))
    elapsed = _seconds(*re.search(r"requests in ([\d.]+)(\w+)", out).groups())
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       out)
    failed = int(bad.group(1)) if bad else 0
    p50 = re.search(r"50%\s+([\d.]+)(\w+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(\w+)", out)
    return {"rate": (total - failed) / elapsed, "requests": total, "failed": failed,
            "socket_errors": sum(map(int, errors.groups())) if errors else 0,
            "p50_ms": _seconds(*p50.groups()) * 1000 if p50 else None,
            "p99_ms": _seconds(*p99.groups()) * 1000 if p99 else None}


def _seconds(value: str, unit: str) -> float:
    return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]
