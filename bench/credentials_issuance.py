"""Licence issuance per second (single and batch) and bulk-import time, in process
through the service functions, on SQLite and/or PostgreSQL.

    python bench/credentials_issuance.py [--db sqlite|postgresql|both] [--single 300]
                                         [--batch 1000] [--n 100000]

PostgreSQL: ONEGATE_TEST_POSTGRES (default postgresql+psycopg://postgres@127.0.0.1:5432/test);
a throwaway database is created and dropped.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


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


def run(url: str, label: str, args) -> None:
    from credentials import bulk_import
    from credentials.issuance import issue_many
    from credentials.services import deps

    with tempfile.TemporaryDirectory() as workdir:
        app = build_app(url, workdir)
        dept = setup(app)
        with app.app_context():
            d = deps()
            singles = requests_for(dept, args.single)
            start = time.perf_counter()
            for request in singles:
                assert issue_many(d, dept.code, [request])[0].licence is not None
            single = args.single / (time.perf_counter() - start)
            batch = requests_for(dept, args.batch)
            start = time.perf_counter()
            outcomes = issue_many(d, dept.code, batch)
            batched = args.batch / (time.perf_counter() - start)
            assert all(o.licence is not None for o in outcomes)
            path = Path(workdir) / "import.jsonl"
            with path.open("w", encoding="utf-8") as handle:
                for number in range(args.n):
                    body = dept.body(serial=f"B{number:08d}", version=1)
                    handle.write(json.dumps(body, ensure_ascii=False) + "\n")
            start = time.perf_counter()
            summary = bulk_import.run(d, path, dept.code)
            imported = time.perf_counter() - start
        app.services.engine.dispose()
    print(f"{label:<11} single {single:8.0f} licences/s | batch of {args.batch} "
          f"{batched:8.0f} licences/s | import {summary.imported} in {imported:7.1f} s "
          f"({summary.imported / imported:.0f}/s, {len(summary.rejected)} rejected)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--single", type=int, default=300)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--n", type=int, default=100_000, help="licences to bulk-import")
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
