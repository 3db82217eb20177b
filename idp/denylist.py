"""The access-token denylist: ``jti`` values that logout, token revocation (RFC 7009)
and withdrawn consent stopped before they expired.

The database row is the denylist; Redis, when configured, only answers "revoked"
faster. The validator (edge.access_tokens) asks ``is_revoked`` after a signature
verified.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from edge.timestamps import utcnow
from edge.unit_of_work import UnitOfWork
from idp.models.tokens import RevokedAccessToken


def _redis_key(jti: str) -> str:
    return f"onegate:revoked-jti:{jti}"


class AccessTokenDenylist:
    """Revoke and look up access-token ``jti`` values."""

    def __init__(self, unit_of_work: UnitOfWork, sessions: sessionmaker[Session], redis: Any,
                 *, default_ttl: int) -> None:
        self.unit_of_work = unit_of_work
        self.sessions = sessions
        self.redis = redis
        self.default_ttl = default_ttl

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
                pass  # the row above is the denylist; Redis only answers "revoked" faster

    def is_revoked(self, jti: str) -> bool:
        """Whether the access token ``jti`` was revoked; raises SQLAlchemyError when the
        database cannot be asked (Redis being down is not an error: it is only a cache).

        Inside a unit of work (a request) the question is asked in its session, so a
        request stays one transaction; outside one (a job) in a short read of its own.
        """
        try:
            if self.redis is not None and self.redis.exists(_redis_key(jti)):
                return True
        except RedisError:
            pass  # fall through to the database, which holds every revocation
        query = select(RevokedAccessToken.jti).where(RevokedAccessToken.jti == jti)
        if self.unit_of_work.active:
            return self.unit_of_work.session().scalar(query) is not None
        with self.sessions() as session:
            return session.scalar(query) is not None
