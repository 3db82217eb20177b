"""Load on loopback: the token endpoint (client_credentials), ``POST /api/v1/verify``
and issuance from many connections at once, bounded in time, against a live
`onegate serve` (2 workers x 8 threads). Zero errors (no 5xx, no connection errors,
every answer the expected one), every licence answered 201 stored exactly once, and
p50/p99 latencies and rates printed in the run's "figures" section (never asserted).

`make test` runs a CI-sized load (5 s, 16 connections); `make load` runs 60 s at 64
connections on PostgreSQL (ONEGATE_LOAD_SECONDS / ONEGATE_LOAD_CONNECTIONS)."""

from __future__ import annotations

import os

import pytest
import requests

from tests.reliability import loadgen
from tests.reliability import world as w
from tests.reliability.conftest import server_log, start_logged_server, stop

pytestmark = [pytest.mark.reliability, pytest.mark.live]
SECONDS = float(os.environ.get("ONEGATE_LOAD_SECONDS", "5"))
CONNECTIONS = int(os.environ.get("ONEGATE_LOAD_CONNECTIONS", "16"))


@pytest.fixture
def loaded_server(migrated, tmp_path):
    # The verification rate limit protects production from one client; here the one
    # client is the load generator.
    server = start_logged_server(migrated, tmp_path, VERIFY_RATE_LIMIT=100_000_000,
                                 TOKEN_RATE_LIMIT=100_000_000)
    yield server
    stop(server)


def test_load_zero_errors_and_issued_equals_stored(app, loaded_server, unique,
                                                   record_property):
    base = loaded_server.url
    world = w.make_world(app, unique)
    http = requests.Session()
    access = w.token(http, base, world).json()["access_token"]
    seed = w.issue(http, base, world, access)
    assert seed.status_code == 201, seed.text[:300]

    tally = loadgen.run(base, world, seed.json()["sd_jwt"], seconds=SECONDS,
                        connections=CONNECTIONS)
    figures = tally.figures(CONNECTIONS)
    record_property("figures", figures)
    print(figures)

    assert tally.errors == [], (len(tally.errors), sorted(set(tally.errors))[:10])
    assert all(tally.latencies[kind] for kind in loadgen.KINDS), figures
    assert _stored(app, world.dept.code) == 1 + tally.issued
    stop(loaded_server)
    assert "Traceback" not in server_log(loaded_server)


def _stored(app, department: str) -> int:
    from sqlalchemy import func, select

    from credentials.models import Licence

    with app.services.sessions() as session:
        return session.scalar(select(func.count()).select_from(Licence)
                              .where(Licence.department_code == department))
