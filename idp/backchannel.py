"""Back-Channel Logout 1.0: logout tokens queued in an outbox table when a session
ends, delivered by a background worker with retries and exponential backoff, so a
slow or dead hall never blocks the person's logout. The worker hands each delivery to
a pool and goes on claiming, so a hall that hangs holds one pool thread until its
timeout, never the deliveries to other halls.

Workers claim a row with ``UPDATE ... WHERE claimed_by IS NULL`` (or an expired
claim), so several processes never deliver the same row twice at the same time.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TYPE_CHECKING

import click
import requests
from flask import after_this_request, has_request_context
from sqlalchemy import or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from edge.timestamps import utcnow
from idp import clients, tokens
from idp.grants.families import revoke_where
from idp.models.tokens import AuthorizationCode, BackchannelDelivery

log = logging.getLogger("onegate.idp.backchannel")

DELIVERY_TIMEOUT = 5.0
DELIVERY_THREADS = 16  # deliveries in flight per process; a hung hall holds one each
MAX_ATTEMPTS = 6  # 1+2+4+8+16 s of backoff: within the logout token's 2 minutes
CLAIM_SECONDS = 60
POLL_SECONDS = 1.0
IDLE_EXIT_SECONDS = 60.0
BATCH = 20

if TYPE_CHECKING:
    from idp.services import IdpServices


class Backchannel:
    """Queues logout tokens when an SSO session ends and runs this process's worker."""

    def __init__(self, services: IdpServices) -> None:
        self.services = services
        self._worker: Worker | None = None
        self._lock = threading.Lock()

    def listen(self) -> None:
        """Hear the end of every SSO session of this app."""
        self.services.sso.on_ended.append(self.on_session_ended)

    def on_session_ended(self, sid: str) -> None:
        """Queue a logout token for every participating hall with a back-channel URI and
        revoke the session's refresh-token families, in the unit of work that ended the
        session (its own scope when there is none); the worker is woken once it
        committed."""
        services = self.services
        with services.unit_of_work.scope():
            queued = queue_logout_tokens(services, services.session(), sid)
        if not queued:
            return
        if has_request_context():
            # The request commits when its view returned, before after_request runs.
            @after_this_request
            def _wake(response):
                self.ensure_worker().wake()
                return response
        else:
            self.ensure_worker().wake()

    def ensure_worker(self) -> Worker:
        """This process's worker thread, started on first need."""
        with self._lock:
            worker = self._worker
            if worker is None or not worker.is_alive() or worker.pid != os.getpid():
                worker = self._worker = Worker(self.services)
                worker.start()
            return worker


def queue_logout_tokens(services: IdpServices, session: Session, sid: str) -> int:
    """Queue the session's logout tokens and revoke its families; how many were queued."""
    participants = services.sso.participants(sid)
    queued = 0
    sub = session.scalar(select(AuthorizationCode.sub)
                         .where(AuthorizationCode.sid == sid).limit(1))
    for client_id in participants:
        client = clients.find(session, services.client_secrets, client_id,
                              include_disabled=True)
        uri = client.row.backchannel_logout_uri if client else None
        if not uri:
            continue
        session.add(BackchannelDelivery(
            client_id=client_id, uri=uri, attempts=0, next_attempt_at=utcnow(),
            token=tokens.logout_token(services, client, sub=sub, sid=sid)))
        queued += 1
    revoke_where(session, services.denylist, "logout", sid=sid)
    return queued


class Worker(threading.Thread):
    """Delivers due rows; exits after a minute with nothing left to deliver."""

    def __init__(self, services: IdpServices, *, exit_when_idle: bool = True):
        super().__init__(name="onegate-backchannel", daemon=True)
        self.services = services
        self.pid = os.getpid()
        self.worker_id = f"{socket.gethostname()}:{self.pid}:{uuid.uuid4().hex[:8]}"
        self.exit_when_idle = exit_when_idle
        self._event = threading.Event()
        self._stopping = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=DELIVERY_THREADS,
                                        thread_name_prefix="onegate-backchannel-post")
        self._in_flight = 0
        self._lock = threading.Lock()

    def wake(self) -> None:
        self._event.set()

    def stop(self) -> None:
        self._stopping.set()
        self._event.set()

    def run(self) -> None:
        idle_since = time.monotonic()
        try:
            while not self._stopping.is_set():
                try:
                    handled, pending = self._dispatch_due()
                except SQLAlchemyError:
                    log.warning("back-channel delivery round failed: database unavailable")
                    handled, pending = 0, True
                if handled or pending:
                    idle_since = time.monotonic()
                elif self.exit_when_idle and time.monotonic() - idle_since > IDLE_EXIT_SECONDS:
                    return
                if not handled:
                    self._event.wait(POLL_SECONDS)
                    self._event.clear()
        finally:
            # Deliveries in flight finish (each within DELIVERY_TIMEOUT) before the
            # thread ends, so joining a stopped worker means nothing is still recording.
            self._pool.shutdown(wait=True)

    def _dispatch_due(self) -> tuple[int, bool]:
        """Claim what the pool has room for and hand it over without waiting."""
        with self._lock:
            room = DELIVERY_THREADS - self._in_flight
        sessions = self.services.sessions
        ids = _claim(sessions, self.worker_id, limit=min(room, BATCH)) if room > 0 else []
        for row_id in ids:
            with self._lock:
                self._in_flight += 1
            self._pool.submit(self._deliver_one, row_id)
        return len(ids), bool(ids) or self._in_flight > 0 or _pending(sessions)

    def _deliver_one(self, row_id: int) -> None:
        try:
            _deliver(self.services.sessions, row_id)
        except SQLAlchemyError:
            # The claim expires and another round retries the row.
            log.warning("back-channel delivery %s not recorded: database unavailable", row_id)
        finally:
            with self._lock:
                self._in_flight -= 1
            self.wake()


# The worker and its deliveries are jobs outside any request: each step below is a
# short transaction of its own on ``sessions`` (a claim must be visible to other
# workers at once; a delivery's outcome is recorded whatever happens to the next).


def deliver_due(sessions: sessionmaker[Session], worker_id: str) -> tuple[int, bool]:
    """Claim and deliver due rows, waiting for them (the CLI's ``--once``); return
    (how many were tried, whether any remain). Raises SQLAlchemyError."""
    ids = _claim(sessions, worker_id)
    if ids:
        with ThreadPoolExecutor(max_workers=min(8, len(ids))) as pool:
            list(pool.map(lambda i: _deliver(sessions, i), ids))
    return len(ids), _pending(sessions)


def _pending(sessions: sessionmaker[Session]) -> bool:
    with sessions() as session:
        return session.scalar(select(BackchannelDelivery.id).where(
            BackchannelDelivery.delivered_at.is_(None),
            BackchannelDelivery.failed_at.is_(None)).limit(1)) is not None


def _claimable(now):
    return (BackchannelDelivery.delivered_at.is_(None), BackchannelDelivery.failed_at.is_(None),
            BackchannelDelivery.next_attempt_at <= now,
            or_(BackchannelDelivery.claimed_by.is_(None), BackchannelDelivery.claimed_until < now))


def _claim(sessions: sessionmaker[Session], worker_id: str, limit: int = BATCH) -> list[int]:
    now = utcnow()
    with sessions() as session:
        candidates = list(session.scalars(select(BackchannelDelivery.id).where(*_claimable(now))
                                          .order_by(BackchannelDelivery.next_attempt_at)
                                          .limit(limit)))
    claimed = []
    for row_id in candidates:
        with sessions.begin() as session:
            result = session.execute(
                update(BackchannelDelivery)
                .where(BackchannelDelivery.id == row_id, *_claimable(now))
                .values(claimed_by=worker_id,
                        claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
                .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            claimed.append(row_id)
    return claimed


def _deliver(sessions: sessionmaker[Session], row_id: int) -> None:
    with sessions() as session:
        row = session.get(BackchannelDelivery, row_id)
    error = None
    try:
        # Back-Channel Logout 2.5: POSTed as application/x-www-form-urlencoded.
        response = requests.post(row.uri, data={"logout_token": row.token},
                                 timeout=DELIVERY_TIMEOUT, allow_redirects=False)
        # Section 2.8: the RP responds 200 OK on success (some answer 204).
        if not 200 <= response.status_code < 300:
            error = f"HTTP {response.status_code}"
    except requests.RequestException as exc:
        error = type(exc).__name__
    _record(sessions, row_id, row.attempts, error)


def _record(sessions: sessionmaker[Session], row_id: int, attempts: int,
            error: str | None) -> None:
    now = utcnow()
    if error is None:
        values = {"delivered_at": now, "claimed_by": None, "claimed_until": None,
                  "attempts": attempts + 1}
    else:
        attempts += 1
        values = {"attempts": attempts, "last_error": error[:500], "claimed_by": None,
                  "claimed_until": None,
                  "next_attempt_at": now + timedelta(seconds=min(2 ** (attempts - 1), 60))}
        if attempts >= MAX_ATTEMPTS:
            values["failed_at"] = now
        log.warning("back-channel logout delivery failed",
                    extra={"delivery": row_id, "attempts": attempts, "error": error})
    with sessions.begin() as session:
        session.execute(update(BackchannelDelivery).where(BackchannelDelivery.id == row_id)
                        .values(**values).execution_options(synchronize_session=False))


def command_group(services: IdpServices) -> click.Group:
    """``onegate backchannel``: the deliveries, run from the shell."""

    @click.group("backchannel")
    def backchannel_cli() -> None:
        """Back-Channel Logout deliveries."""

    @backchannel_cli.command("run")
    @click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
    def run(once: bool) -> None:
        """Deliver queued logout tokens (foreground; Ctrl-C to stop)."""
        if once:
            tried, pending = deliver_due(services.sessions, f"cli:{os.getpid()}")
            click.echo(f"tried {tried} deliveries; {'some' if pending else 'none'} pending")
            return
        worker = Worker(services, exit_when_idle=False)
        click.echo(f"delivering back-channel logout tokens as {worker.worker_id}")
        worker.run()

    return backchannel_cli
