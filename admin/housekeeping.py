"""The housekeeping job: delete what has served its time, in batches, and publish the
keys whose scheduled rotation is due.

Run by cron (``onegate housekeeping --once``) or inside ``onegate serve`` (``start``:
a daemon thread in each worker, of which only the one holding admin.runner_lock
runs the job). What may be deleted is declared by the package owning each table
(idp.expiry, verify.expiry); each sweep deletes ``HOUSEKEEPING_BATCH`` rows per
statement, each in its own short transaction (edge.sweeps). Counts per kind go to the
log (one JSON line per run) and to Prometheus (admin.observability.Metrics).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import OperationalError

from admin import key_admin
from admin.runner_lock import RunnerLock
from audit import log as audit_log
from edge import sweeps as edge_sweeps
from edge.sweeps import Sweep
from idp import expiry as idp_expiry
from keys.ring import utc_now
from verify import expiry as verify_expiry

log = logging.getLogger("onegate.housekeeping")
#: Who the audit trail says published a scheduled key.
ACTOR = "system:housekeeping"


@dataclass
class Report:
    """One run: rows deleted per kind, keys published by schedule, or why it did not run."""

    ran: bool = True
    deleted: dict[str, int] = field(default_factory=dict)
    rotated: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None

    def to_json(self) -> dict:
        return {"ran": self.ran, "deleted": self.deleted,
                "rotated": [{"owner": o, "kid": k} for o, k in self.rotated],
                "error": self.error}


def all_sweeps(settings) -> tuple[Sweep, ...]:
    """Every package's sweeps, configured from the settings."""
    keep = timedelta(seconds=settings["HOUSEKEEPING_KEEP"])
    failed = timedelta(seconds=settings["HOUSEKEEPING_KEEP_FAILED"])
    window = timedelta(seconds=settings["VERIFY_RATE_WINDOW"])
    device = timedelta(seconds=settings["REFRESH_TOKEN_TTL"])
    return idp_expiry.sweeps(keep, failed, device) + verify_expiry.sweeps(window)


def run_once(app, now: datetime | None = None) -> Report:
    """One pass (the caller holds the runner lock): sweeps, then due rotations. Counts
    into the app's metrics and logs one line. Raises only what the database raises
    (counted as a failed run first)."""
    services, now = app.services, now or utc_now()
    report = Report()
    try:
        for job in all_sweeps(services.settings):
            report.deleted[job.kind] = edge_sweeps.sweep(
                services.sessions, job, now, services.settings["HOUSEKEEPING_BATCH"])
        report.rotated = key_admin.rotate_due(services, now)
        _audit_rotations(services, report.rotated)
    except Exception as exc:
        app.metrics.housekeeping(report.deleted, len(report.rotated), "failed")
        if isinstance(exc, OperationalError):  # an outage: one line, the next tick retries
            log.warning("housekeeping failed (%s: database unreachable)", type(exc).__name__,
                        extra={"event": "housekeeping"})
        else:
            log.exception("housekeeping failed", extra={"event": "housekeeping"})
        raise
    app.metrics.housekeeping(report.deleted, len(report.rotated), "ok")
    # The pid says which worker of a deployment ran it (one at a time: runner_lock).
    log.info("housekeeping run by pid %d: %s", os.getpid(), json.dumps(report.to_json()),
             extra={"event": "housekeeping"})
    return report


def _audit_rotations(services, rotated: list[tuple[str, str]]) -> None:
    if not rotated:
        return
    work = services.unit_of_work
    with work.scope():
        audit_log.append_many(work.session(), [
            {"actor": ACTOR, "action": "key.rotate.scheduled", "subject": kid,
             "data": {"owner": owner}} for owner, kid in rotated])


def run_if_leader(app, lock: RunnerLock, now: datetime | None = None) -> Report:
    """Run once if ``lock`` is (or can be) held by this process, else a report saying it
    did not run. Raises what ``run_once`` raises."""
    if not lock.acquire():
        app.metrics.housekeeping({}, 0, "skipped")
        return Report(ran=False)
    return run_once(app, now)


class Scheduler:
    """The job on a daemon thread, every ``HOUSEKEEPING_INTERVAL``; started by
    ``onegate serve`` in each worker (admin.serve.serving_app)."""

    def __init__(self, app) -> None:
        self._app = app
        self._lock = RunnerLock(app.services.engine)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="onegate-housekeeping",
                                        daemon=True)

    def start(self) -> Scheduler:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5) -> None:
        self._stop.set()
        self._thread.join(timeout)
        self._lock.release()

    def _loop(self) -> None:
        interval = self._app.services.settings["HOUSEKEEPING_INTERVAL"]
        while not self._stop.wait(interval):
            try:
                run_if_leader(self._app, self._lock)
            except Exception:  # noqa: BLE001 - logged by run_once; the next tick retries
                self._lock.release()


def start(app) -> Scheduler | None:
    """Start the in-process scheduler unless HOUSEKEEPING_ENABLED is off."""
    if not app.services.settings["HOUSEKEEPING_ENABLED"]:
        return None
    return Scheduler(app).start()
