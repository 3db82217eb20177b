"""PostgreSQL goes away under load and comes back: a live `onegate serve` (2 workers)
answers 503 with Retry-After while it is gone, in each endpoint's own error language,
never a 500 with a trace, and recovers by itself once it is back.

The machine's PostgreSQL is shared, so the test never stops it: the server reaches
its database through a TCP proxy the test cuts (refusing new connections and dropping
live ones, as a restart does) and restores."""

from __future__ import annotations

from collections import Counter

import pytest
import requests
from sqlalchemy.engine import make_url

from tests.conftest import BACKEND
from tests.idp.protocol.helpers import REDIRECT, register
from tests.reliability import world as w
from tests.reliability.conftest import server_log, start_logged_server, stop
from tests.reliability.faults import Traffic, poll_until_all_succeed
from tests.reliability.proxy import TcpProxy

pytestmark = [pytest.mark.reliability, pytest.mark.live, pytest.mark.skipif(
    BACKEND != "postgresql", reason="PostgreSQL outage: runs with ONEGATE_TEST_DB=postgresql")]

OK = {"token": {200}, "issue": {201}, "verify": {200}, "page": {200}, "authorize": {302},
      "readyz": {200}}
#: Phases of a request that may have been cut mid-way (sent before the cut, answered after).
IN_FLIGHT = ("before->cutting", "before->down", "cutting", "cutting->down")
OAUTH, PROBLEM, PAGE = ("token",), ("issue", "verify", "readyz"), ("page", "authorize")


@pytest.fixture
def outage(app, migrated, tmp_path, unique):
    url = make_url(migrated)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False)
        server = start_logged_server(proxied, tmp_path)
        try:
            yield proxy, server
        finally:
            stop(server)


def _probes(app, server, unique):
    base = server.url
    world = w.make_world(app, unique)
    hall = register(app, unique + "h")
    http = requests.Session()
    access = w.token(http, base, world).json()["access_token"]
    licence = w.issue(http, base, world, access).json()
    authorize = {"response_type": "code", "client_id": hall["client_id"],
                 "redirect_uri": REDIRECT, "scope": "openid", "state": "s",
                 "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                 "code_challenge_method": "S256"}
    return world, {
        "token": lambda s: w.token(s, base, world),
        "issue": lambda s: w.issue(s, base, world, access),
        "verify": lambda s: w.verify(s, base, licence["sd_jwt"]),
        "page": lambda s: s.get(licence["links"]["reference_url"], timeout=30),
        "authorize": lambda s: s.get(base + "/oauth/authorize", params=authorize,
                                     allow_redirects=False, timeout=30),
        "readyz": lambda s: s.get(base + "/readyz", timeout=30),
    }


def test_postgres_outage_answers_503_with_retry_after_then_recovers(app, outage, unique):
    proxy, server = outage
    world, probes = _probes(app, server, unique)
    with Traffic(probes, threads=4) as traffic:
        traffic.wait_for("before", each=2, seconds=60)
        # The phase changes before the cut: a request that set out before it and came
        # back after is labelled "before->cutting" (or "->down"), never "before".
        traffic.phase = "cutting"
        proxy.cut()
        traffic.phase = "down"
        traffic.wait_for("down", each=4, seconds=60)
        proxy.restore()
        traffic.phase = "recovering"
        polled = Counter()
        last = poll_until_all_succeed(probes, OK, seconds=60, tally=polled)
        traffic.phase = "after"
        traffic.wait_for("after", each=3, seconds=60)
    stop(server)
    log = server_log(server)
    summary = {phase: dict(traffic.statuses(phase)) for phase in ("before", "down", "after")}
    print(summary)

    everything = traffic.select()
    assert not [o for o in everything if o.status is None], "connection errors"
    assert not [(o.probe, o.phase, o.status) for o in everything
                if o.status >= 500 and o.status != 503], summary
    assert "Traceback" not in log
    for o in traffic.select("before") + traffic.select("after"):
        assert o.status in OK[o.probe], (o.probe, o.phase, o.status, o.body[:300])
    assert all(last[name] in OK[name] for name in probes), last

    down = traffic.select("down")
    for name in probes:
        assert any(o.status == 503 for o in down if o.probe == name), (name, summary["down"])
    for o in [o for o in everything if o.status == 503]:
        assert o.headers.get("Retry-After", "").isdigit(), (o.probe, o.headers)
        kind = o.headers.get("Content-Type", "")
        if o.probe in OAUTH:
            assert kind.startswith("application/json") and \
                '"temporarily_unavailable"' in o.body, (o.probe, o.body[:300])
        elif o.probe in PROBLEM and o.probe != "readyz":
            assert kind.startswith("application/problem+json"), (o.probe, kind, o.body[:300])
            # Verification counts its rate limit in the database first, and says so.
            types = ("/api/v1/problems/service-unavailable",
                     "/api/v1/problems/rate-limit-unavailable")
            assert any(t in o.body for t in types), o.body[:300]
        elif o.probe in PAGE:
            assert kind.startswith("text/html"), (o.probe, kind)
    # Issued equals stored, except that a commit in flight at the cut may have landed
    # while its answer was lost (the client retries those with its Idempotency-Key).
    stored = _count_licences(app, world.dept.code)
    issued = 1 + polled[("issue", 201)] + sum(
        1 for o in everything if o.probe == "issue" and o.status == 201)
    in_flight = sum(1 for o in everything if o.probe == "issue" and o.phase in IN_FLIGHT)
    assert issued <= stored <= issued + in_flight


def _count_licences(app, department: str) -> int:
    from sqlalchemy import func, select

    from credentials.models import Licence

    with app.services.sessions() as session:
        return session.scalar(select(func.count()).select_from(Licence)
                              .where(Licence.department_code == department))


def test_hung_postgres_answers_503_instead_of_hanging(app, outage, unique):
    """A database that accepts connections and never answers (hung, or a half-open
    network) must not hold requests forever: connecting gives up after the engine's
    connect timeout and the request answers 503."""
    proxy, server = outage
    world, probes = _probes(app, server, unique)
    http = requests.Session()
    proxy.stall()
    for name in ("token", "issue", "readyz"):
        response = probes[name](http)  # each probe's own timeout (30 s) bounds the wait
        assert response.status_code == 503, (name, response.status_code, response.text[:300])
        assert response.headers.get("Retry-After", "").isdigit()
    proxy.restore()
    last = poll_until_all_succeed(probes, OK, seconds=60)
    assert all(last[name] in OK[name] for name in probes), last
    stop(server)
    assert "Traceback" not in server_log(server)
