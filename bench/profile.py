"""Where an endpoint's time goes: py-spy samples the pinned onegate worker while wrk
drives the endpoint, and the top frames by inclusive share are printed. Only the
thread holding the GIL is sampled (``--gil``): CPU spent in Python, which is what
limits a worker's rate, not threads waiting on a socket.

    python bench/profile.py token [--seconds 10] [--db sqlite] [--server granian]

Writes the collapsed stacks (for a flame graph: flamegraph.pl or speedscope) to
bench/results/profile-<endpoint>.txt.
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import harness, http_bench  # noqa: E402

OURS = ("admin/", "idp/", "credentials/", "verify/", "edge/", "keys/", "audit/")
LIBS = ("sqlalchemy", "authlib", "joserfc", "jwt/", "flask", "werkzeug", "redis", "psycopg",
        "argon2", "cryptography", "jinja2", "granian", "gunicorn", "json")


def workers(process) -> list[str]:
    path = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    return path.read_text().split() or [str(process.pid)]


def summarise(stacks: str, top: int) -> list[tuple[float, str]]:
    """Inclusive share of each frame of ours or of a named library."""
    total, inclusive = 0, collections.Counter()
    for line in stacks.splitlines():
        frames, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        total += int(count)
        seen = set()
        for frame in frames.split(";"):
            if any(p in frame for p in OURS + LIBS) and frame not in seen:
                seen.add(frame)
                inclusive[frame] += int(count)
    return [(n / total, f) for f, n in inclusive.most_common(top)] if total else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("endpoint", choices=http_bench.HTTP)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--server", default="granian")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    inst = harness.Instance(db=args.db)
    out = ROOT / "bench" / "results" / f"profile-{args.endpoint}.txt"
    out.parent.mkdir(exist_ok=True)
    try:
        inst.create()
        server = inst.serve(args.server)
        load = http_bench.onegate_loads(inst)[args.endpoint]
        harness.wrk(load, 2, 0)  # warm-up
        driver = threading.Thread(target=harness.wrk, args=(load, args.seconds + 2, 0))
        driver.start()
        pid = workers(server)[0]
        subprocess.run([str(harness.BIN / "py-spy"), "record", "--pid", pid, "--duration",
                        str(args.seconds), "--format", "raw", "--gil", "--nonblocking", "--output",
                        str(out)], check=True, capture_output=True)
        driver.join()
        harness.stop(server)
    finally:
        inst.drop()
    print(f"{args.endpoint}: inclusive share of samples, worker {pid}, {args.server}, {args.db}")
    for share, frame in summarise(out.read_text(), args.top):
        print(f"{share:6.1%}  {frame}")
    print(f"collapsed stacks: {out}")


if __name__ == "__main__":
    main()
