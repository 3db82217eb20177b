"""`make bench-servers`: the WSGI servers of `onegate serve` side by side, in one run,
on the hot endpoints (jwks, token, verify) and the reference hello route, each server
given one worker (8 threads where it has threads) pinned to core 0, wrk on core 1.

    python bench/servers.py [--quick] [--db sqlite|postgresql] [--servers gthread,granian]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from admin.settings import SERVERS  # noqa: E402
from bench import harness, http_bench  # noqa: E402

ENDPOINTS = ("jwks", "token", "verify")


def measure(server: str, db: str, seconds: float, warmup: float) -> dict:
    inst = harness.Instance(db=db)
    processes, row = [], {"server": server}
    try:
        inst.create()
        ours = inst.serve(server)
        processes.append(ours)
        ref_url, ref = harness.serve_reference(server)
        processes.append(ref)
        loads, refs = http_bench.onegate_loads(inst), http_bench.reference_loads(ref_url)
        row["hello"] = harness.wrk(refs["hello"], seconds, warmup)["rate"]
        for name in ENDPOINTS:
            result = harness.wrk(loads[name], seconds, warmup)
            row[name] = result["rate"]
            row[name + "_p99_ms"] = result["p99_ms"]
        row["rss_mib"] = (harness.worker_rss_kib(ours) or 0) / 1024
    except Exception as exc:  # noqa: BLE001 - a server that fails is a result, not a crash
        row["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        for process in processes:
            harness.stop(process)
        inst.drop()
    print(f"  {row}", flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 s per endpoint")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--servers", default=",".join(SERVERS))
    args = parser.parse_args()
    seconds, warmup = (3, 1) if args.quick else (args.seconds, 2)
    rows = [measure(s, args.db, seconds, warmup) for s in args.servers.split(",")]
    lines = [f"WSGI servers, 1 worker on core 0, wrk -c{harness.CONNECTIONS} on core 1, "
             f"{seconds} s each, {args.db}",
             "| server | hello /s | jwks /s | token /s | verify /s | token p99 ms | RSS MiB |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['server']} | failed: {r['error']} |||||")
            continue
        lines.append(f"| {r['server']} | {r['hello']:,.0f} | {r['jwks']:,.0f} | "
                     f"{r['token']:,.0f} | {r['verify']:,.0f} | {r['token_p99_ms']:.0f} | "
                     f"{r['rss_mib']:.0f} |")
    print("\n".join(lines))
    result = {"db": args.db, "seconds": seconds, "command": " ".join(sys.argv), "rows": rows}
    print(f"results: {http_bench.save(result, 'servers')}")


if __name__ == "__main__":
    main()
