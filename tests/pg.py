"""A throwaway PostgreSQL database per test run (and per xdist worker)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError


class Unreachable(Exception):
    pass


def create_database(admin_url: str) -> tuple[str, Callable[[], None]]:
    """Create ``onegate_test_<worker>_<random>``; return its URL and a dropper."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"onegate_test_{worker}_{secrets.token_hex(4)}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        raise Unreachable(str(exc.orig).splitlines()[0]) from None
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with engine.connect() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        engine.dispose()

    return url, drop
