"""The access-token denylist: ``jti`` values that logout, token revocation (RFC 7009)
and withdrawn consent stopped before they expired.

The database row is the denylist. With Redis, a copy of it answers every question
without a database read, and every worker sees a revocation at once:

- ``revoke`` writes the row (in the request's transaction) and sets
  ``onegate:revoked-jti:<jti>`` in Redis at once (expiring when the token would);
- Redis holds the whole denylist only while the marker ``onegate:revoked-jti:complete``
  exists: a worker that finds it absent (a new or flushed Redis) answers from the
  database and refills Redis from every unexpired row, then sets the marker;
- ``is_revoked`` asks for the jti's key and the marker in one ``MGET``: key present,
  revoked; key absent and marker present, not revoked (no database read); marker
  absent, or Redis unreachable, the database row decides.
- a failed Redis write in ``revoke`` deletes the marker (the next question goes to
  the database); a worker that saw Redis fail (a write or a read) trusts no marker
  until it has refilled Redis itself; and the marker lives ``MARKER_TTL`` (10 s), so
  when Redis was unreachable for the revocation's write and for the marker's
  deletion, every other worker sees the revocation at most 10 s after Redis is back
  (at once otherwise, and at once in the revoking worker).
- Redis must not evict keys (``maxmemory-policy noeviction``, the default): an
  evicted jti key under a surviving marker would read as not revoked.

A revocation is set in Redis before its transaction commits, so a rolled-back
revocation may deny a token until it expires (never the reverse). The validator
(edge.access_tokens) asks ``is_revoked`` after a signature verified.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from edge.timestamps import utcnow
from edge.unit_of_work import UnitOfWork
from idp.models.tokens import RevokedAccessToken

log = logging.getLogger(__name__)


def _redis_key(jti: str) -> str:
    return f"onegate:revoked-jti:{jti}"


#: Present while Redis holds every unexpired revocation (see the module).
COMPLETE_MARKER = "onegate:revoked-jti:complete"
#: A worker refills Redis at most this often (seconds), however many ask meanwhile.
REFILL_EVERY = 1.0
#: The marker's life (seconds): a refill renews it, so a revocation whose Redis write
#: was lost is copied in by the next refill, within this bound after Redis is back.
MARKER_TTL = 10
_INCOMPLETE, _UNREACHABLE = object(), object()


class AccessTokenDenylist:
    """Revoke and look up access-token ``jti`` values."""

    def __init__(self, unit_of_work: UnitOfWork, sessions: sessionmaker[Session], redis: Any,
                 *, default_ttl: int) -> None:
        self.unit_of_work = unit_of_work
        self.sessions = sessions
        self.redis = redis
        self.default_ttl = default_ttl
        self._refill_lock = threading.Lock()
        self._next_refill = 0.0
        # Set when this worker saw Redis fail: it trusts no marker until it refilled.
        self._suspect = False

    def revoke(self, session: Session, jti: str, expires_at: datetime | None) -> None:
        """Deny the access token ``jti`` (in ``session``'s transaction) until it would
        have expired anyway (``expires_at``; None: the longest an access token lives)."""
        expires_at = expires_at or utcnow() + timedelta(seconds=self.default_ttl)
        if expires_at <= utcnow() or session.get(RevokedAccessToken, jti) is not None:
            return
        session.add(RevokedAccessToken(jti=jti, expires_at=expires_at))
        if self.redis is not None:
            ttl = max(int((expires_at - utcnow()).total_seconds()), 1)
            try:
                self.redis.set(_redis_key(jti), 1, ex=ttl)
            except RedisError:
                self._suspect = True
                self._forget_completeness()  # the row above still denies the token

    def is_revoked(self, jti: str) -> bool:
        """Whether the access token ``jti`` was revoked; raises SQLAlchemyError when the
        database must be asked and cannot be (Redis being down is not an error: the
        database holds every revocation).

        With a complete copy in Redis (see the module) one ``MGET`` answers. Otherwise,
        inside a unit of work (a request) the question is asked in its session, so a
        request stays one transaction; outside one (a job) in a short read of its own.
        """
        if self.redis is not None:
            found = self._ask_redis(jti)
            if found is True or found is False:
                return found
            if found is _INCOMPLETE:
                self._refill()
        query = select(RevokedAccessToken.jti).where(RevokedAccessToken.jti == jti)
        if self.unit_of_work.active:
            return self.unit_of_work.session().scalar(query) is not None
        with self.sessions() as session:
            return session.scalar(query) is not None

    def in_redis(self, jti: str) -> bool | None:
        """Whether ``jti`` was revoked, as the complete copy in Redis answers it (one
        ``MGET``); None when Redis cannot answer alone (no Redis, unreachable, or no
        completeness marker): then only ``is_revoked`` may answer."""
        if self.redis is None:
            return None
        found = self._ask_redis(jti)
        return found if found is True or found is False else None

    def _ask_redis(self, jti: str) -> bool | object:
        """True or False as Redis answers; _INCOMPLETE without the marker (or while this
        worker suspects Redis), _UNREACHABLE when it cannot be asked."""
        try:
            revoked, complete = self.redis.mget(_redis_key(jti), COMPLETE_MARKER)
        except RedisError:
            self._suspect = True  # the database answers
            return _UNREACHABLE
        if revoked is not None:
            return True
        if complete is not None and not self._suspect:
            return False
        return _INCOMPLETE

    def _refill(self) -> None:
        """Copy every unexpired revocation into Redis, then set the marker (at most
        every REFILL_EVERY seconds per worker). A revocation committed meanwhile set
        its own key, so the copy is never missing one that the marker vouches for.
        Errors leave the marker unset (the database keeps answering)."""
        now = time.monotonic()
        with self._refill_lock:
            if now < self._next_refill:
                return
            self._next_refill = now + REFILL_EVERY
        try:
            query = (select(RevokedAccessToken.jti, RevokedAccessToken.expires_at)
                     .where(RevokedAccessToken.expires_at > utcnow()))
            if self.unit_of_work.active:  # a request stays one transaction
                rows = self.unit_of_work.session().execute(query).all()
            else:
                with self.sessions() as session:
                    rows = session.execute(query).all()
            pipe = self.redis.pipeline(transaction=False)
            for jti, expires_at in rows:
                pipe.set(_redis_key(jti), 1,
                         ex=max(int((expires_at - utcnow()).total_seconds()), 1))
            pipe.set(COMPLETE_MARKER, 1, ex=MARKER_TTL)
            pipe.execute()
            self._suspect = False
        except (RedisError, SQLAlchemyError):
            log.warning("access-token denylist: Redis not refilled; the database answers")

    def _forget_completeness(self) -> None:
        try:
            self.redis.delete(COMPLETE_MARKER)
        except RedisError:
            pass  # Redis unreachable: readers cannot use it either and ask the database
