"""Licence issuance per second (single and batch) and bulk-import time, in process
through the service functions, on SQLite and/or PostgreSQL, with issue 9's targets.

    python bench/credentials_issuance.py [--db sqlite|postgresql|both] [--single 300]
                                         [--batch 1000] [--n 100000] [--workers N]
                                         [--threads 8] [--batch-workers N]
                                         [--profile]

Single: ``issuance.issue_one`` in one transaction per licence, as ``POST
/api/v1/licenses`` runs it (one commit each), sequentially and from ``--threads``
threads at once (a server's request threads), with the app's status-slot
reserve (STATUS_SLOT_RESERVE). Batch: ``issue_many`` of ``--batch`` requests, signed in
``--batch-workers`` processes as an API batch with BATCH_SIGNING_WORKERS is. Bulk:
``bulk_import.run`` of an ``--n``-line JSON Lines file,
signing in a pool of ``--workers`` processes (default: the CPU count; 0 signs in
process). PostgreSQL: ONEGATE_TEST_POSTGRES (default
postgresql+psycopg://postgres@127.0.0.1:5432/test); a throwaway database is created
and dropped.

``--profile`` runs each phase under cProfile and prints, per phase, the share of its
time spent in each step (status-slot allocation, signing, audit entries, SQL
round trips, ...; cumulative, so nested steps overlap: SQL is also inside
allocation and audit).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/profile.py would shadow the standard library's profile module (cProfile needs it).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import base64  # noqa: E402
import contextlib  # noqa: E402
import cProfile  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import pstats  # noqa: E402
import resource  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

#: Issue 9's targets on PostgreSQL.
SINGLE_TARGET, BATCH_TARGET, BULK_TARGET_S, BULK_SIZE = 500, 3000, 300, 500_000


def build_app(url: str, workdir: str):
    from admin import bootstrap
    from admin.app import create_app

    app = create_app({"ENV": "test", "DATABASE_URL": url, "ISSUER": "http://localhost",
                      "KEK": base64.urlsafe_b64encode(b"k" * 32).decode(),
                      "SECRET_KEY": "bench-" + "s" * 40, "LOG_LEVEL": "WARNING"},
                     instance_path=workdir)
    bootstrap.initialise(app)
    return app


def setup(app):
    from tests.credentials.helpers import make_department

    return make_department(app, "bench" + os.urandom(3).hex())


def requests_for(dept, n):
    from credentials.issue_request import parse_issue_request

    return [parse_issue_request(dept.body()) for _ in range(n)]


#: (label, file suffix, function name): the steps whose cumulative share is printed.
STEPS = [
    ("checks (catalogue, schema, identifiers)", "credentials/issuance.py", "prepare"),
    ("idempotency look-ups", "credentials/issuance.py", "earlier_requests"),
    ("import lines parsed", "credentials/bulk_import.py", "parse_line"),
    ("content keys checked", "credentials/bulk_import.py", "_stored_keys"),
    ("status-slot allocation", "credentials/status.py", "allocate"),
    ("signing in process", "credentials/signing_pool.py", "sign_here"),
    ("waiting for the signing pool", "concurrent/futures/_base.py", "result"),
    ("  SD-JWT VC", "credentials/signing.py", "issue_sd_jwt"),
    ("  offline COSE/QR text", "credentials/signing.py", "issue_offline"),
    ("  ES256 signatures", "credentials/formats/jws.py", "sign"),
    ("  QR capacity check", "credentials/signing.py", "fits_offline_qr"),
    ("licence rows built", "credentials/issuance.py", "_row"),
    ("audit entries", "credentials/audit_events.py", "issued"),
    ("rows inserted (flush)", "sqlalchemy/orm/session.py", "flush"),
    ("commit", "sqlalchemy/orm/session.py", "commit"),
    ("SQL statements (all, incl. round trips)", "sqlalchemy/engine/base.py", "_execute_context"),
    ("  waiting on the server (psycopg)", "psycopg/connection.py", "wait"),
    ("JSON encode/decode", "json/encoder.py", "encode"),
]


@contextlib.contextmanager
def profiled(label: str, enabled: bool):
    if not enabled:
        yield
        return
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        print_shares(label, pstats.Stats(profile))


def print_shares(label: str, stats: pstats.Stats) -> None:
    total = max(stats.total_tt, 1e-9)
    out = ROOT / "bench" / "results" / f"issuance-{label.split()[0]}.prof"
    out.parent.mkdir(exist_ok=True)
    stats.dump_stats(out)
    print(f"  profile of {label} ({total:.2f} s under cProfile; pstats in {out.name}):")
    for name, suffix, function in STEPS:
        cumulative = sum(ct for (path, _, fn), (_, _, _, ct, _) in stats.stats.items()
                         if fn == function and path.endswith(suffix))
        if cumulative:
            print(f"    {name:<42} {100 * cumulative / total:5.1f} %")


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _cpu() -> tuple[float, float]:
    """(this process's CPU seconds, its reaped children's): the signing pool's workers
    are reaped when the import closes the pool."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time(), children.ru_utime + children.ru_stime


def _singles(services, dept, requests, threads: int) -> None:
    """``issue_one`` per request in a transaction of its own (one commit each), from
    ``threads`` threads at once, as a server's request threads run them."""
    from concurrent.futures import ThreadPoolExecutor

    from credentials.issuance import issue_one

    d = services.deps

    def one(request) -> None:
        with d.sessions.begin() as session:
            outcome = issue_one(session, d, dept.code, request)
        assert outcome.licence is not None, outcome.error

    if threads == 1:
        for request in requests:
            one(request)
        return
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, requests))


def run(url: str, label: str, args) -> None:
    from dataclasses import replace

    from credentials import bulk_import
    from credentials.batch_signing import BatchSigning
    from credentials.issuance import issue_many

    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        app = build_app(url, workdir)
        dept = setup(app)
        services = app.credentials_services
        d = services.deps
        issue_many(d, dept.code, requests_for(dept, 5))  # warm-up: caches, QR capacity
        for threads in sorted({1, args.threads}):
            singles = requests_for(dept, args.single)
            start, cpu = time.perf_counter(), _cpu()
            with profiled(f"single x{threads}", args.profile and threads == 1):
                _singles(services, dept, singles, threads)
            rate = args.single / (time.perf_counter() - start)
            rows.append((f"single issue, {threads} thread{'s' if threads > 1 else ''}, "
                         "one commit each", f"{rate:,.0f}/s",
                         1000 * (_cpu()[0] - cpu[0]) / args.single, None,
                         f"{SINGLE_TARGET}/s", rate >= SINGLE_TARGET))
        batch_workers = (args.batch_workers if args.batch_workers is not None
                         else os.cpu_count() or 1)
        signing = BatchSigning(batch_workers) if batch_workers else None
        before_pool = _cpu()[1]
        if signing is not None:  # spawn the pool (as the first large batch would)
            with signing.lend(BatchSigning.MIN_ITEMS) as pool:
                issue_many(replace(d, signing_pool=pool, pool_optional=True), dept.code,
                           requests_for(dept, BatchSigning.MIN_ITEMS))
        batch = requests_for(dept, args.batch)
        start, cpu = time.perf_counter(), _cpu()
        with profiled(f"batch of {args.batch}", args.profile), (
                signing.lend(args.batch) if signing else contextlib.nullcontext()) as pool:
            bd = replace(d, signing_pool=pool, pool_optional=True) if pool else d
            outcomes = issue_many(bd, dept.code, batch, chunk=args.batch)
        batched = args.batch / (time.perf_counter() - start)
        assert all(o.licence is not None for o in outcomes)
        here = 1000 * (_cpu()[0] - cpu[0]) / args.batch
        pool_cpu = None
        if signing is not None:
            # Reaped at close: the pool's CPU over the warm-up batch and this one.
            signing.close()
            pool_cpu = 1000 * (_cpu()[1] - before_pool) / (args.batch + BatchSigning.MIN_ITEMS)
        rows.append((f"batch of {args.batch}, one transaction ({batch_workers} signing "
                     "processes)", f"{batched:,.0f}/s", here, pool_cpu, f"{BATCH_TARGET}/s",
                     batched >= BATCH_TARGET))
        path = Path(workdir) / "import.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for number in range(args.n):
                body = dept.body(serial=f"B{number:08d}", version=1)
                handle.write(json.dumps(body, ensure_ascii=False) + "\n")
        start, cpu = time.perf_counter(), _cpu()
        with profiled(f"import of {args.n}", args.profile):
            summary = bulk_import.run(d, path, dept.code, workers=args.workers)
        imported = time.perf_counter() - start
        after = _cpu()
        assert summary.imported == args.n and not summary.rejected, summary.rejected[:3]
        rate = summary.imported / imported
        projected = BULK_SIZE / rate
        workers = args.workers if args.workers is not None else os.cpu_count()
        rows.append((f"bulk import of {args.n:,} ({workers} signing processes)",
                     f"{imported:,.1f} s ({rate:,.0f}/s); {BULK_SIZE:,} "
                     f"{'took' if args.n >= BULK_SIZE else 'extrapolated:'} "
                     f"{projected:,.0f} s", 1000 * (after[0] - cpu[0]) / args.n,
                     1000 * (after[1] - cpu[1]) / args.n, f"{BULK_TARGET_S} s for "
                     f"{BULK_SIZE:,}", projected <= BULK_TARGET_S))
        app.services.engine.dispose()
    print(f"\n{label}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
          f"command: python bench/credentials_issuance.py {' '.join(sys.argv[1:])}")
    print("| row | figure | CPU ms/licence (this process) | (signing processes) | target "
          "| verdict |\n|---|---|---:|---:|---|---|")
    for name, figure, cpu_here, cpu_pool, target, ok in rows:
        pool = f"{cpu_pool:.2f}" if cpu_pool is not None else "-"
        print(f"| {name} | {figure} | {cpu_here:.2f} | {pool} | {target} | "
              f"{_verdict(ok)} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--single", type=int, default=300)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=8,
                        help="also run single issues from this many threads at once")
    parser.add_argument("--n", type=int, default=100_000, help="licences to bulk-import")
    parser.add_argument("--workers", type=int, default=None,
                        help="signing processes for the import (default: CPU count)")
    parser.add_argument("--batch-workers", type=int, default=None,
                        help="signing processes for the batch (credentials.batch_signing; "
                             "default: CPU count; 0 signs in process)")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile each phase and print the share of each step")
    args = parser.parse_args()
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{tmp}/bench.db", "SQLite", args)
    if args.db in ("postgresql", "both"):
        from tests import pg

        url, drop = pg.create_database(os.environ.get(
            "ONEGATE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
        try:
            run(url, "PostgreSQL", args)
        finally:
            drop()


if __name__ == "__main__":
    main()
