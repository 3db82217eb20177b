"""A bounded per-worker cache of registered clients, keyed by client_id.

Every token, introspection and revocation request authenticates a client; reading
its row from the database was the largest share of a client_credentials grant after
the rate limit. The cache keeps a detached copy of each row (never the request
session's object), so a hit costs no SQL.

Freshness:
- in this worker, at once: the cache watches the app's sessions (``watch``); a flush
  that inserts, changes or deletes an ``OAuthClient`` row, or an ORM bulk UPDATE or
  DELETE of the table, empties the cache, and so does the commit that follows (a
  read racing the change cannot re-cache the old row past the commit);
- in other workers and processes, when Redis is configured: the commit that changed
  a client is announced on a Redis channel (``changes_channel``, per Redis database)
  and every process following it empties its cache on receipt, milliseconds later
  (``follow``, a daemon thread started by the first read in each process, so it
  survives a fork);
- always, as the bound if an announcement is lost (Redis down, a process that had
  not subscribed yet, no Redis at all): an entry is trusted for at most ``ttl``
  seconds (CLIENT_CACHE_TTL, 2 s) after it was read, so a client disabled, deleted,
  edited or whose secret was rotated elsewhere stops working within that bound.

Bounds: at most ``max_entries`` clients (LRU, 1,024); an unknown client_id is never
cached (a hostile caller naming random ids cannot fill it; each such request pays
one indexed read, as before), nor an id longer than 64 characters (not a client).
"""

from __future__ import annotations

import copy
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from idp.models.clients import OAuthClient

CLIENT_CACHE_TTL = 2.0
MAX_CLIENTS = 1024
_TOUCHED = "onegate.clients_touched"
#: Wait before subscribing again after the Redis connection failed.
RESUBSCRIBE_SECONDS = 1.0

log = logging.getLogger("onegate.idp.client_cache")


def changes_channel(redis: Any) -> str:
    """The channel client changes are announced on: one per Redis database, so two
    deployments sharing a Redis server (on different databases) do not mix."""
    return f"onegate:{redis.connection_pool.connection_kwargs.get('db', 0)}:clients-changed"


class ClientCache:
    """Detached copies of ``OAuthClient`` rows by client_id (see the module)."""

    def __init__(self, ttl: float = CLIENT_CACHE_TTL, max_entries: int = MAX_CLIENTS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.max_entries, self.clock = ttl, max_entries, clock
        self._entries: OrderedDict[str, tuple[float, OAuthClient]] = OrderedDict()
        self._generation = 0
        self._lock = threading.Lock()
        self._redis: Any = None
        self._follower_pid: int | None = None

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def generation(self) -> int:
        """Moves whenever the cache was emptied by a change (CORS origins follow it)."""
        return self._generation

    def get(self, session: Session | Callable[[], Session],
            client_id: str) -> OAuthClient | None:
        """The client's row (a detached copy: read it, never add it to a session), or
        None for an unknown id; reads ``session`` when the entry is missing or stale.
        ``session`` may be a callable giving it (the unit of work's ``session``): a hit
        then opens no session at all. Raises SQLAlchemyError when the database cannot
        be read."""
        if self._redis is not None and self._follower_pid != os.getpid():
            self.follow()
        now = self.clock()
        with self._lock:
            entry = self._entries.get(client_id)
            if entry is not None and entry[0] > now:
                self._entries.move_to_end(client_id)
                return entry[1]
            generation = self._generation
        if not isinstance(session, Session):
            session = session()
        row = session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))
        with self._lock:
            if row is None:
                self._entries.pop(client_id, None)
                return None
            copied = _detached_copy(row)
            if generation == self._generation:  # no change of a client since we read
                self._entries[client_id] = (now + self.ttl, copied)
                self._entries.move_to_end(client_id)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
            return copied

    def invalidate(self) -> None:
        """Forget every client (a client changed in this process)."""
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def watch(self, sessions: sessionmaker[Session], redis: Any = None) -> None:
        """Empty the cache whenever a session of ``sessions`` writes a client row; with
        ``redis``, announce each such commit to the other processes and follow theirs."""
        self._redis = redis
        event.listen(sessions, "after_flush", self._after_flush)
        event.listen(sessions, "do_orm_execute", self._on_execute)
        event.listen(sessions, "after_commit", self._after_commit)

    def _after_flush(self, session: Session, _context: Any) -> None:
        if any(isinstance(o, OAuthClient)
               for o in (*session.new, *session.dirty, *session.deleted)):
            session.info[_TOUCHED] = True
            self.invalidate()

    def _on_execute(self, state: Any) -> None:
        if (state.is_update or state.is_delete) and any(
                m.class_ is OAuthClient for m in state.all_mappers):
            state.session.info[_TOUCHED] = True
            self.invalidate()

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(_TOUCHED, False):
            self.invalidate()
            self._announce()

    def _announce(self) -> None:
        if self._redis is None:
            return
        import redis

        try:
            self._redis.publish(changes_channel(self._redis), str(os.getpid()))
        except redis.RedisError as exc:
            # The change is committed; other processes see it within the TTL.
            log.warning("could not announce a client change: %s", exc)

    def follow(self) -> None:
        """Start (once per process) the thread that empties the cache whenever another
        process announces a client change."""
        with self._lock:
            if self._follower_pid == os.getpid():
                return
            self._follower_pid = os.getpid()
        threading.Thread(target=self._listen, name="onegate-client-changes",
                         daemon=True).start()

    def _listen(self) -> None:
        import redis

        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(changes_channel(self._redis))
                self.invalidate()  # anything announced before we listened
                while True:
                    if pubsub.get_message(timeout=30) is not None:
                        self.invalidate()
            except (redis.RedisError, OSError) as exc:
                log.warning("client changes not followed (%s); the cache TTL bounds them",
                            exc)
                self.invalidate()
            finally:
                pubsub.close()
            threading.Event().wait(RESUBSCRIBE_SECONDS)


def _detached_copy(row: OAuthClient) -> OAuthClient:
    """A transient ``OAuthClient`` holding the row's column values (JSON values deep
    copied), in no session: nothing a request does can expire or write it."""
    values = {attr.key: copy.deepcopy(getattr(row, attr.key))
              for attr in inspect(OAuthClient).column_attrs}
    return OAuthClient(**values)
