"""Client-credentials grants/s and introspections/s against a real `onegate serve`.

Starts a server on a free loopback port with a throwaway SQLite database (or the
database in ONEGATE_DATABASE_URL), registers a department client, then hammers
/oauth/token and /oauth/introspect from a thread pool for ~10 s each and prints
the figures.

    python bench/oidc_throughput.py [--seconds 10] [--threads 16] [--workers 2]
"""

from __future__ import annotations

import argparse
import base64
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def settings(workdir: Path, port: int) -> dict[str, str]:
    return {
        "ONEGATE_ENV": "test",
        "ONEGATE_DATABASE_URL": os.environ.get("ONEGATE_DATABASE_URL",
                                               f"sqlite:///{workdir / 'bench.db'}"),
        "ONEGATE_KEK": base64.urlsafe_b64encode(b"b" * 32).decode(),
        "ONEGATE_SECRET_KEY": "bench-" + "s" * 40,
        "ONEGATE_ISSUER": f"http://127.0.0.1:{port}",
        "ONEGATE_PORT": str(port),
        "ONEGATE_LOG_LEVEL": "WARNING",
        "ONEGATE_INSTANCE_PATH": str(workdir),
    }


def prepare(env: dict[str, str]) -> tuple[str, str]:
    """Migrate, create keys and a client_credentials client; return its id and secret."""
    os.environ.update(env)
    from admin import bootstrap
    from admin.app import create_app
    from idp.clients_cli import NewClient, create

    app = create_app()
    bootstrap.initialise(app)
    with app.app_context(), app.services.sessions.begin() as session:
        row, secret = create(session, NewClient(
            name="bench department", grant_types=["client_credentials"],
            scopes=["licences:read"]))
        client_id = row.client_id
    app.services.engine.dispose()
    return client_id, secret


def start(env: dict[str, str], workers: int, threads: int) -> subprocess.Popen:
    full = {**os.environ, **env}
    process = subprocess.Popen(
        [sys.executable, "-m", "admin.cli", "serve", "--workers", str(workers),
         "--threads", str(threads)], cwd=ROOT, env=full,
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = env["ONEGATE_ISSUER"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"server exited with {process.returncode}")
        try:
            if requests.get(url + "/healthz", timeout=1).status_code == 200:
                return process
        except requests.ConnectionError:
            pass
        time.sleep(0.1)  # poll interval
    process.kill()
    sys.exit("server did not become healthy")


def hammer(name: str, call, seconds: float, threads: int) -> float:
    """Run ``call(session)`` from ``threads`` threads for ``seconds``; print and return ops/s."""
    stop = time.monotonic() + seconds
    counts, errors = [0] * threads, [0] * threads
    local = threading.local()

    def loop(i: int) -> None:
        local.session = requests.Session()
        while time.monotonic() < stop:
            if call(local.session):
                counts[i] += 1
            else:
                errors[i] += 1

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(loop, range(threads)))
    elapsed = time.monotonic() - started
    rate = sum(counts) / elapsed
    print(f"{name:<28} {rate:9.1f} /s   ({sum(counts)} ok, {sum(errors)} errors, "
          f"{threads} client threads, {elapsed:.1f} s)")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=16, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--server-threads", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = settings(Path(tmp), port)
        client_id, secret = prepare(env)
        process = start(env, args.workers, args.server_threads)
        base, auth = env["ONEGATE_ISSUER"], (client_id, secret)
        try:
            token = requests.post(base + "/oauth/token", auth=auth, timeout=10,
                                  data={"grant_type": "client_credentials"}).json()
            access = token["access_token"]

            def grant(session: requests.Session) -> bool:
                r = session.post(base + "/oauth/token", auth=auth, timeout=10,
                                 data={"grant_type": "client_credentials",
                                       "scope": "licences:read"})
                return r.status_code == 200

            def introspect(session: requests.Session) -> bool:
                r = session.post(base + "/oauth/introspect", auth=auth, timeout=10,
                                 data={"token": access})
                return r.status_code == 200 and r.json().get("active") is True

            print(f"onegate OIDC throughput: {args.workers} workers x {args.server_threads} "
                  f"threads, {env['ONEGATE_DATABASE_URL'].split(':')[0]}")
            hammer("client_credentials grants", grant, args.seconds, args.threads)
            hammer("introspections", introspect, args.seconds, args.threads)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
