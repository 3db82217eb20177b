"""`make cluster`: two `onegate serve` processes on one PostgreSQL database and one
Redis, behind HAProxy (Debian's package), made from nothing.

The proxy's address is the issuer; both processes share the database, Redis, the
secret key and the key-encryption key, and nothing else. Runs until Ctrl-C; the
database it created is dropped on the way out.

    python bench/cluster.py [--server gthread] [--workers 2]
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402

HAPROXY = """global
    maxconn 4096
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    option forwardfor
frontend onegate
    bind 127.0.0.1:{port}
    default_backend nodes
backend nodes
    balance roundrobin
    option httpchk GET /readyz
{servers}
"""


@dataclass
class Cluster:
    """Two onegate processes behind HAProxy; ``nodes`` are their direct URLs."""

    server: str = "gthread"
    workers: int = 2
    settings: dict = field(default_factory=dict)
    instance: harness.Instance | None = None
    nodes: list[str] = field(default_factory=list)
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.instance.url

    def start(self) -> Cluster:
        """Create the database, start both processes, then the proxy; raises
        RuntimeError when haproxy is not installed or a process does not get ready."""
        haproxy = shutil.which("haproxy")
        if haproxy is None:
            raise RuntimeError("haproxy is not installed (apt-get install -y haproxy)")
        # The proxy answers on the issuer's port; one proxy hop's X-Forwarded-For is ours.
        self.instance = harness.Instance(db="postgresql", extra={
            "ONEGATE_TRUSTED_PROXIES": "1", **self.settings})
        try:
            self.instance.create("cluster")
            ports = [harness.free_port(), harness.free_port()]
            # Both start at once (each waits for its own /readyz).
            with ThreadPoolExecutor(len(ports)) as pool:
                started = [pool.submit(self.instance.serve, self.server, workers=self.workers,
                                       port=port, pin=False) for port in ports]
            errors = [f.exception() for f in started]
            for port, future, error in zip(ports, started, errors, strict=True):
                if error is None:  # kept for stop() even when the other failed
                    self.processes.append(future.result())
                    self.nodes.append(f"http://127.0.0.1:{port}")
            if any(errors):
                raise next(e for e in errors if e is not None)
            config = self.instance.workdir / "haproxy.cfg"
            config.write_text(HAPROXY.format(port=self.instance.port, servers="\n".join(
                f"    server node{i} 127.0.0.1:{p} check inter 1s"
                for i, p in enumerate(ports))))
            proxy = subprocess.Popen([haproxy, "-db", "-f", str(config)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
            self.processes.append(proxy)
            harness.wait_ready(self.url + "/readyz", proxy)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """SIGTERM to the proxy, then to both processes at once (each takes its graceful
        shutdown, about 10 s), then wait for each."""
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
            if process is self.processes[-1]:
                harness.stop(process)  # the proxy first: no new requests
        for process in reversed(self.processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
        if self.instance is not None:
            self.instance.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=None, help="default: ONEGATE_SERVER's default")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    from admin.settings import BY_NAME

    cluster = Cluster(server=args.server or BY_NAME["SERVER"].default, workers=args.workers)
    cluster.start()
    print(f"onegate cluster at {cluster.url} (HAProxy) -> {', '.join(cluster.nodes)}; "
          f"database {cluster.instance.database}; demo logins in "
          f"{cluster.instance.workdir / 'demo-logins.json'}; Ctrl-C stops it", flush=True)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop like Ctrl-C
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
