"""Writing and reading signed checkpoints of the chain head.

A checkpoint is due when none exists yet, when ``checkpoint_every`` entries were added
since the last one, or when entries were added and the last one is older than
``checkpoint_interval``. Appends only notice that one is due; it is written after
their transaction commits, in a transaction of its own, so a checkpoint covers only
committed entries and signing (which may create or promote a key in the key ring's
own transaction) never runs while the audit lock is held.
"""

from __future__ import annotations

import base64
import json
import logging
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from audit import checkpoint as cp
from audit import trail as trails
from audit.locking import lock
from audit.models import AuditCheckpoint, AuditEntry

log = logging.getLogger("onegate.audit")

_PENDING = "onegate.audit.checkpoint_pending"
_LISTENING = "onegate.audit.checkpoint_listening"


class NoSigner(RuntimeError):
    """Checkpoints were asked for on a Trail without a signer."""


def latest(session: Session) -> AuditCheckpoint | None:
    """The newest stored checkpoint (highest seq, then newest), or None."""
    return session.scalars(select(AuditCheckpoint)
                           .order_by(AuditCheckpoint.seq.desc(), AuditCheckpoint.id.desc())
                           .limit(1)).first()


def head_seq(session: Session) -> int:
    """The seq of the chain head (0 for an empty log)."""
    return session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)) or 0


def stored(session: Session) -> list[AuditCheckpoint]:
    """Every stored checkpoint, oldest first."""
    return list(session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)))


def is_due(last: AuditCheckpoint | None, head_seq: int, now: datetime,
           trail: trails.Trail) -> bool:
    """Whether the head ``head_seq`` wants a new checkpoint after ``last``."""
    if last is None:
        return head_seq > 0
    if head_seq <= last.seq:
        return False
    if head_seq - last.seq >= trail.checkpoint_every:
        return True
    return now - aware(last.at) >= trail.checkpoint_interval


class Last(NamedTuple):
    """What ``is_due`` reads of the newest checkpoint."""

    seq: int
    at: datetime


_UNREAD: Any = object()


def schedule(session: Session, trail: trails.Trail, head_seq: int, now: datetime, *,
             last: Last | AuditCheckpoint | None = _UNREAD) -> None:
    """Note that a checkpoint is due once ``session`` commits (no-op without a signer).
    ``last``: the newest checkpoint when the caller read it already (None: there is
    none); otherwise it is read here."""
    if trail.signer is None or session.info.get(_PENDING):
        return
    if last is _UNREAD:
        last = latest(session)
    if not is_due(last, head_seq, now, trail):
        return
    session.info[_PENDING] = True
    if not session.info.get(_LISTENING):
        session.info[_LISTENING] = True
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_rollback", _after_rollback)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _after_commit(session: Session) -> None:
    if not session.info.pop(_PENDING, False):
        return
    trail = trails.of(session)
    try:
        with Session(bind=session.bind, info={trails.INFO_KEY: trail}) as fresh, \
                fresh.begin():
            make(fresh, trail, force=True)  # due was decided at append time
    except OperationalError as exc:
        # The database went away after the commit (an outage): expected, and said in
        # one line; the trace is kept for what nobody expected (below).
        log.warning("audit checkpoint failed (%s: database unreachable); the next append "
                    "or `onegate audit checkpoint` makes it", type(exc).__name__)
    except Exception:  # noqa: BLE001 - the caller's work is committed; the next append retries
        log.warning("audit checkpoint failed; the next append or "
                    "`onegate audit checkpoint` makes it", exc_info=True)


def make(session: Session, trail: trails.Trail, *, force: bool = False,
         now: datetime | None = None) -> AuditCheckpoint | None:
    """Sign and store a checkpoint of the current head if one is due (``force``: if the
    head moved since the last one). Returns it, or None when there was nothing to do.
    The caller commits.

    Raises NoSigner, and what the signer raises (e.g. the key ring's errors).
    """
    if trail.signer is None:
        raise NoSigner("this Trail has no checkpoint signer")
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    head = session.execute(select(AuditEntry.seq, AuditEntry.hash)
                           .order_by(AuditEntry.seq.desc()).limit(1)).first()
    last = latest(session)
    if head is None or (last is not None and last.seq >= head.seq):
        return None
    if not force and not is_due(last, head.seq, now, trail):
        return None
    # Sign before taking the lock: the key ring may write in its own transaction.
    token = trail.signer.sign(cp.claims(trail.issuer, head.seq, head.hash, now))
    lock(session)
    last = latest(session)
    if last is not None and last.seq >= head.seq:
        return None  # another writer checkpointed this head meanwhile
    row = AuditCheckpoint(seq=head.seq, hash=head.hash, at=now, kid=header_kid(token),
                          token=token)
    session.add(row)
    session.flush()
    return row


def header_kid(token: str) -> str:
    """The kid in a compact JWS header (unverified; for listing only), or ''."""
    try:
        segment = token.split(".", 1)[0]
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except ValueError:
        return ""
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid if isinstance(kid, str) else ""


def aware(at: datetime) -> datetime:
    """``at`` as an aware UTC time (SQLite hands back naive ones)."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
