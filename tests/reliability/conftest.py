"""Fixtures of the reliability suite: live servers whose dependencies a test can cut."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, LiveServer, free_port, test_settings, wait_healthy


def start_logged_server(database_url: str, tmp_path: Path, *, workers: int = 2,
                        **extra) -> LiveServer:
    """`onegate serve` on loopback writing its log to ``tmp_path/server.log``: a fault
    makes a server log a lot, and an undrained pipe would block it and mask the fault."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.update({f"ONEGATE_{k}": str(v) for k, v in
                test_settings(database_url, ISSUER=url, PORT=port, **extra).items()})
    env["ONEGATE_INSTANCE_PATH"] = str(tmp_path)
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "admin.cli", "serve", "--workers", str(workers),
         "--threads", "8"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    log.close()
    wait_healthy(url, process)
    server = LiveServer(url, process, env)
    server.log_path = tmp_path / "server.log"
    return server


def stop(server: LiveServer) -> None:
    if server.process.poll() is not None:
        return
    server.stop()


def server_log(server: LiveServer) -> str:
    return server.log_path.read_text(errors="replace")
