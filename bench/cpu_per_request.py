"""CPU time per request of the pinned worker: a figure a shared machine cannot bend.

On a 2-core machine loaded by other work (load average 20), requests/s of one pinned
worker move 2x between identical runs, with the hello reference itself drifting from
2,000 to 5,000/s within one run; the ratios of ``make bench`` then say nothing. The
CPU the worker spends per answered request (user + system time from
/proc/<pid>/stat, divided by the requests wrk saw answered) barely depends on how
much of the core the worker was given, so two versions measured minutes apart on a
loaded machine compare. ``1 / cpu`` is the rate one whole core would give.

    python bench/cpu_per_request.py [--only token,introspect] [--db postgresql]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import harness, http_bench  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: str) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def worker_pid(process) -> str:
    """The server's (one) worker process, or the server itself without children."""
    path = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    return (path.read_text().split() or [str(process.pid)])[0]


def measure(pid: str, load: harness.Load, seconds: float) -> dict:
    harness.wrk(load, 1, 0)  # warm-up
    before = cpu_seconds(pid)
    result = harness.wrk(load, seconds, 0, timeout=30)
    used = cpu_seconds(pid) - before
    answered = result["requests"] - result["failed"]
    return {"cpu_us": used / answered * 1e6 if answered else None, "answered": answered,
            "failed": result["failed"], "rate": result["rate"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="token,introspect")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--server", default="granian")
    parser.add_argument("--seconds", type=float, default=5)
    args = parser.parse_args()
    inst = harness.Instance(db=args.db)
    processes, rows = [], {}
    try:
        inst.create()
        server = inst.serve(args.server)
        processes.append(server)
        ref_url, ref = harness.serve_reference(args.server)
        processes.append(ref)
        ours = http_bench.onegate_loads(inst)
        hello = http_bench.reference_loads(ref_url)["hello"]
        rows["hello"] = measure(worker_pid(ref), hello, args.seconds)
        for name in args.only.split(","):
            rows[name] = measure(worker_pid(server), ours[name], args.seconds)
    finally:
        for process in processes:
            harness.stop(process)
        inst.drop()
    print(f"CPU per answered request, {args.server}, 1 worker x 8 threads on core "
          f"{harness.SERVER_CORE}, {args.db}; load average {os.getloadavg()[0]:.1f}")
    for name, row in rows.items():
        cpu = row["cpu_us"]
        share = f"{rows['hello']['cpu_us'] / cpu:5.2f} x hello" if cpu and name != "hello" else ""
        print(f"  {name:<12} {cpu or 0:8.0f} us  ({1e6 / cpu if cpu else 0:7.0f}/s per core)"
              f"  {share}  answered {row['answered']}, failed {row['failed']}")
    print(json.dumps({"server": args.server, "db": args.db, "rows": rows}))


if __name__ == "__main__":
    main()
