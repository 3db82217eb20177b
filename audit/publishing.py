"""The published checkpoint: one that covers the current chain head, signed on demand.

Why on demand: a copy kept outside proves only what its checkpoint covered, and the
cadence of ``checkpoints.schedule`` lags the head by up to ``checkpoint_every``
entries or ``checkpoint_interval``; a tail deleted within that lag would go unseen by
every copy. So whoever asks (``GET /audit/checkpoint``, ``onegate audit checkpoint
--show``) gets the head signed now if it moved since the last stored checkpoint, and
that checkpoint is stored as well, so the database alone also holds it.

Why a reuse window: a poll must not cost a signature and a stored row each time. While
the head stands still the stored checkpoint is served as it is (same JWS, same ETag);
while the last stored one is younger than ``reuse_for`` it is served even if the head
moved, which bounds signing to one per window across all workers (the age is read
from the database), and each Publisher keeps the answer for ``reuse_for`` without
asking the database at all. Signing stays outside the audit lock (``checkpoints.make``).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from audit import checkpoint as cp
from audit import checkpoints
from audit import trail as trails
from audit.models import AuditCheckpoint

log = logging.getLogger("onegate.audit")

#: How long a published checkpoint is reused before the head is looked at again.
REUSE_FOR = timedelta(seconds=5)


class Published:
    """A stored checkpoint as published: the verified-shape Checkpoint, its kid, an
    ETag naming exactly this JWS."""

    __slots__ = ("checkpoint", "kid", "etag")

    def __init__(self, row: AuditCheckpoint) -> None:
        self.checkpoint = cp.Checkpoint(seq=row.seq, hash=row.hash, at=row.at, token=row.token)
        self.kid = row.kid
        self.etag = hashlib.sha256(row.token.encode("ascii")).hexdigest()[:32]

    def body(self, jwks_uri: str) -> dict:
        """What the endpoint and ``--show`` print (``audit.checkpoint.published``)."""
        return cp.published(self.checkpoint, self.kid, jwks_uri)


class Publisher:
    """Serves the checkpoint of the current head for one app (or one CLI run).

    Holds at most one answer (the last one) and one lock, so a burst of polls in one
    worker signs at most once.
    """

    def __init__(self, sessions: sessionmaker[Session], *, reuse_for: timedelta = REUSE_FOR,
                 clock: Callable[[], datetime] | None = None) -> None:
        self._sessions = sessions
        self._reuse_for = reuse_for
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self._cached: tuple[Published, datetime] | None = None

    def current(self) -> Published | None:
        """The checkpoint covering the head (signed now if needed), or None while the
        log is empty and no checkpoint exists.

        Raises database errors; a failure to sign is logged and the latest stored
        checkpoint is served instead (the next request tries again).
        """
        with self._lock:
            now = self._clock()
            if self._cached is not None and self._fresh(self._cached[1], now):
                return self._cached[0]
            found = self._refresh(now)
            self._cached = (found, now) if found is not None else None
            return found

    def _fresh(self, since: datetime, now: datetime) -> bool:
        # A clock that went backwards (or another host's ahead) must not freeze it.
        return timedelta(0) <= now - since < self._reuse_for

    def _refresh(self, now: datetime) -> Published | None:
        with self._sessions() as session:
            trail = trails.of(session)
            last = checkpoints.latest(session)
            head = checkpoints.head_seq(session)
            if last is not None and (last.seq >= head
                                     or self._fresh(checkpoints.aware(last.at), now)):
                return Published(last)
        if head == 0 or trail.signer is None:
            return Published(last) if last is not None else None
        try:
            with self._sessions.begin() as session:
                row = checkpoints.make(session, trail, force=True, now=now)
                if row is None:  # another worker signed this head meanwhile
                    row = checkpoints.latest(session)
                return Published(row) if row is not None else None
        except Exception as exc:  # noqa: BLE001 - serve the last one; never fail the reader
            # An outage is said in one line; anything else keeps its trace.
            log.warning("signing a checkpoint of the audit head failed; serving the "
                        "latest stored one", exc_info=not isinstance(exc, OperationalError))
            return Published(last) if last is not None else None
