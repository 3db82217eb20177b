"""Send a mix of requests to a live server from a few threads while a test breaks a
dependency, and tally what came back by phase (before, during, after the fault)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
from requests.structures import CaseInsensitiveDict

Probe = Callable[[requests.Session], requests.Response]


@dataclass
class Outcome:
    probe: str
    phase: str  # the phase when the request was sent and still when it came back, or
    #             "sent->answered" when it changed in between: a test changes the phase
    #             before it breaks anything, so a "before" outcome never saw the fault
    status: int | None  # None: no HTTP answer at all (connection error)
    headers: CaseInsensitiveDict  # header names are case-insensitive (granian sends lowercase)
    body: str


@dataclass
class Traffic:
    """Threads that cycle through ``probes`` until stopped; ``phase`` labels outcomes."""

    probes: dict[str, Probe]
    threads: int = 4
    phase: str = "before"
    outcomes: list[Outcome] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)

    def __enter__(self) -> Traffic:
        for n in range(self.threads):
            worker = threading.Thread(target=self._run, args=(n,), daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=60)

    def _run(self, offset: int) -> None:
        names = list(self.probes)
        http = requests.Session()
        i = offset
        while not self._stop.is_set():
            name = names[i % len(names)]
            i += 1
            sent_in = self.phase
            try:
                response = self.probes[name](http)
                outcome = Outcome(name, sent_in, response.status_code,
                                  CaseInsensitiveDict(response.headers), response.text[:2000])
            except requests.RequestException as exc:
                outcome = Outcome(name, sent_in, None, {}, type(exc).__name__)
            if self.phase != sent_in:
                outcome.phase = f"{sent_in}->{self.phase}"
            with self._lock:
                self.outcomes.append(outcome)

    def count(self, phase: str, probe: str | None = None) -> int:
        with self._lock:
            return sum(1 for o in self.outcomes
                       if o.phase == phase and (probe is None or o.probe == probe))

    def wait_for(self, phase: str, each: int, seconds: float) -> None:
        """Poll until every probe has ``each`` outcomes in ``phase`` (bounded)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if all(self.count(phase, name) >= each for name in self.probes):
                return
            time.sleep(0.05)  # poll interval

    def statuses(self, phase: str | None = None) -> Counter:
        with self._lock:
            return Counter((o.probe, o.status) for o in self.outcomes
                           if phase is None or o.phase == phase)

    def select(self, phase: str | None = None) -> list[Outcome]:
        with self._lock:
            return [o for o in self.outcomes if phase is None or o.phase == phase]


def poll_until_all_succeed(probes: dict[str, Probe], ok: dict[str, set[int]],
                           seconds: float, tally: Counter | None = None
                           ) -> dict[str, int | None]:
    """Run every probe until each answers a status in ``ok`` once in the same round;
    return the last round's statuses (bounded by ``seconds``). Every answer is
    counted in ``tally`` as (probe, status)."""
    http = requests.Session()
    deadline = time.monotonic() + seconds
    last: dict[str, int | None] = {}
    while time.monotonic() < deadline:
        for name, probe in probes.items():
            try:
                last[name] = probe(http).status_code
            except requests.RequestException:
                last[name] = None
            if tally is not None:
                tally[(name, last[name])] += 1
        if all(last[name] in ok[name] for name in probes):
            return last
        time.sleep(0.2)  # poll interval
    return last
