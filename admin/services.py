"""The typed services object: built once by ``create_app``, handed to each package.

fosite-style: each package declares what it needs (``idp.services.IdpServices``,
``credentials.services.CredentialsServices``, ...) and this composition root supplies
it. Nothing below admin looks a dependency up by name in ``app.extensions`` or through
``current_app``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from admin import audit_trail, db
from audit import trail as trails
from audit.publishing import Publisher
from audit.services import AuditServices
from edge.access_tokens import AccessTokenValidator
from edge.unit_of_work import UnitOfWork
from keys import KeyRing
from keys.errors import KeysError
from keys.sql_store import SqlKeyStore


@dataclass(frozen=True, eq=False)
class Services:
    """What the running app is made of. ``settings`` are the validated ``ONEGATE_*``
    values (admin.settings), read-only by convention."""

    settings: Mapping[str, Any]
    engine: Engine
    sessions: sessionmaker[Session]
    unit_of_work: UnitOfWork
    keyring: KeyRing
    redis: Any  # redis.Redis, or None when ONEGATE_REDIS_URL is empty
    #: The one validator of the provider's access tokens (edge.access_tokens), with
    #: the provider's denylist, so logout and withdrawn consent stop tokens at once.
    access_tokens: AccessTokenValidator

    @property
    def issuer(self) -> str:
        return self.settings["ISSUER"]


def build(values: Mapping[str, Any]) -> Services:
    """Engine, sessions, key ring and Redis client from validated settings; connects
    to nothing yet (the first request or command does)."""
    engine = db.make_engine(values["DATABASE_URL"])
    sessions = db.make_session_factory(engine)
    keyring = KeyRing(SqlKeyStore(sessions), values["KEK_BYTES"],
                      retire_after=timedelta(seconds=values["KEY_RETIRE_AFTER"]))
    from idp.tokens import is_revoked

    validator = AccessTokenValidator(keyring, issuer=values["ISSUER"],
                                     audience=values["ISSUER"] + "/api", is_revoked=is_revoked,
                                     key_faults=(KeysError, ValueError))
    return Services(settings=values, engine=engine, sessions=sessions,
                    unit_of_work=UnitOfWork(sessions), keyring=keyring,
                    redis=_redis(values["REDIS_URL"]), access_tokens=validator)


def _redis(url: str):
    if not url:
        return None
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def audit_services(core: Services) -> AuditServices:
    """The audit trail's wiring. Binds the Trail to ``core.sessions``, so that every
    session of the app (the request's unit of work, a package's own short transaction)
    appends keyed entries: idp, credentials and verify append in the session they were
    given (``audit.log.append``), and the entry lands in that transaction."""
    trail = audit_trail.trail(core.settings, core.keyring)
    trails.bind(core.sessions, trail)
    return AuditServices(unit_of_work=core.unit_of_work, sessions=core.sessions, trail=trail,
                         publisher=Publisher(core.sessions), issuer=core.issuer)
