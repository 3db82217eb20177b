"""A bounded load generator for a live server on loopback: ``connections`` threads,
each with its own keep-alive connection, cycle through the token endpoint
(client_credentials), ``POST /api/v1/verify`` and issuance until ``seconds`` have
passed (or ``max_requests`` were sent), then stop by themselves. Figures are
reported, never asserted."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import requests

from tests.reliability import world as w

KINDS = ("token", "verify", "issue")


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def issued(self) -> int:
        return self.statuses[("issue", 201)]

    def add(self, other: Tally) -> None:
        for kind in KINDS:
            self.latencies[kind] += other.latencies[kind]
        self.statuses.update(other.statuses)
        self.errors += other.errors

    def figures(self, connections: int) -> str:
        lines = [f"load: {connections} connections, {self.elapsed:.1f} s, "
                 f"{sum(self.statuses.values())} requests, {len(self.errors)} errors"]
        for kind in KINDS:
            values = sorted(self.latencies[kind])
            if not values:
                continue
            lines.append(f"  {kind:6} {len(values):7d} req  {len(values) / self.elapsed:8.1f} /s"
                         f"  p50 {_pct(values, 50) * 1000:7.1f} ms"
                         f"  p99 {_pct(values, 99) * 1000:7.1f} ms")
        return "\n".join(lines)


def _pct(values: list[float], pct: int) -> float:
    return values[min(len(values) - 1, int(len(values) * pct / 100))]


def run(base: str, world: w.World, credential: str, *, seconds: float, connections: int,
        max_requests: int = 1_000_000) -> Tally:
    """Drive the server for ``seconds`` from ``connections`` threads; return the tally."""
    tallies = [Tally() for _ in range(connections)]
    budget = threading.Semaphore(max_requests)
    start = time.monotonic()
    deadline = start + seconds
    threads = [threading.Thread(target=_connection, daemon=True,
                                args=(base, world, credential, n, deadline, budget, tallies[n]))
               for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    total = Tally(elapsed=time.monotonic() - start)
    for tally in tallies:
        total.add(tally)
    if any(thread.is_alive() for thread in threads):
        total.errors.append("a load thread did not finish")
    return total


def _connection(base: str, world: w.World, credential: str, n: int, deadline: float,
                budget: threading.Semaphore, tally: Tally) -> None:
    http = requests.Session()
    access = None
    i = n
    while time.monotonic() < deadline and budget.acquire(blocking=False):
        kind = KINDS[i % len(KINDS)]
        i += 1
        began = time.monotonic()
        try:
            if kind == "token":
                response = w.token(http, base, world)
                if response.status_code == 200:
                    access = response.json()["access_token"]
            elif kind == "verify":
                response = w.verify(http, base, credential)
            else:
                if access is None:
                    continue
                response = w.issue(http, base, world, access)
        except requests.RequestException as exc:
            tally.errors.append(f"{kind}: {type(exc).__name__}")
            continue
        tally.latencies[kind].append(time.monotonic() - began)
        tally.statuses[(kind, response.status_code)] += 1
        if response.status_code != _expected(kind):
            tally.errors.append(f"{kind}: HTTP {response.status_code} {response.text[:200]}")
        elif kind == "verify" and response.json().get("status") != "valid":
            tally.errors.append(f"verify: {response.json().get('status')}")


def _expected(kind: str) -> int:
    return {"token": 200, "verify": 200, "issue": 201}[kind]
