"""Shared version stamps of the status lists: freshness without a database read.

A verifier in any worker must see a revocation as soon as it is made (issue 4).
Reading the list's version from the database on every verification does that, at the
cost of a SQL round trip (and a transaction) per verification. ``StatusStamps``
mirrors each list's version in Redis: one GET tells a worker whether the bits it holds
(``status.SignedListCache``) are current. Redis down is not an outage: the database
is read as before.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from credentials.status import CHANGED_KEY, ListState, SignedListCache, is_list_id, list_state

log = logging.getLogger("onegate.credentials.status")
#: Seconds a list checked against the database is trusted on the stamp alone.
STAMP_RECHECK = 1.0
#: Seconds Redis is left alone after an error (the database answers meanwhile).
STAMP_PAUSE = 5.0
STAMP_EXPIRY = 86_400
_RAISE_SCRIPT = """
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
local wanted = tonumber(ARGV[1])
if wanted > current then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return wanted
end
return current
"""


class StatusStamps:
    """Each list's version, mirrored in Redis (``<prefix><list id>``), so a verifier
    learns whether its decoded bits are current with one GET instead of a database read.

    The stamp only ever rises (a Lua max-set): a writer raises it to the version it
    committed, right after the commit and before its request answers; a reader that
    had to read the database raises it to what it read (so a flushed or restarted
    Redis heals itself). A reader trusts its bits when the stamp equals their version
    and the database was read at most ``recheck`` seconds ago; otherwise, when the key
    is absent, or when Redis fails (then Redis is left alone for ``pause`` seconds),
    the database is read as before. Guarantee: a change is seen by every worker as
    soon as the changing request has answered, while Redis holds the stamps; if a
    raise is lost (the writer could not reach Redis while readers could, a failover
    that loses writes), within ``recheck`` seconds.
    """

    def __init__(self, redis: Any, prefix: str = "onegate:status:version:",
                 recheck: float = STAMP_RECHECK, pause: float = STAMP_PAUSE,
                 clock=time.monotonic) -> None:
        self.redis, self.prefix, self.recheck, self.pause = redis, prefix, recheck, pause
        self.clock = clock
        self._script = redis.register_script(_RAISE_SCRIPT)
        self._quiet_until = float("-inf")

    def _usable(self) -> bool:
        return self.clock() >= self._quiet_until

    def _failed(self) -> None:
        self._quiet_until = self.clock() + self.pause
        log.warning("status stamps: Redis unreachable; reading versions from the database "
                    "for %.0f s", self.pause)

    def read(self, list_id: str) -> int | None:
        """The stamp of ``list_id``; None when absent or Redis cannot be read."""
        if not self._usable():
            return None
        try:
            found = self.redis.get(self.prefix + list_id)
        except Exception:  # noqa: BLE001 - any Redis fault means: ask the database
            self._failed()
            return None
        try:
            return int(found) if found is not None else None
        except ValueError:
            return None

    def raise_to(self, list_id: str, version: int) -> None:
        """Raise the stamp to ``version`` (never lowers it); a Redis fault is logged."""
        if not self._usable():
            return
        try:
            self._script(keys=[self.prefix + list_id], args=[int(version), STAMP_EXPIRY])
        except Exception:  # noqa: BLE001 - readers fall back to the database meanwhile
            self._failed()


def publish_changes(sessions: Any, stamps: StatusStamps) -> None:
    """After every commit of a session from ``sessions`` (a sessionmaker), raise the
    stamps of the lists whose versions ``record_change`` bumped in it."""
    from sqlalchemy import event

    def committed(session: Session) -> None:
        changed = session.info.pop(CHANGED_KEY, None)
        for list_id, version in (changed or {}).items():
            stamps.raise_to(list_id, version)

    def rolled_back(session: Session, previous_transaction: Any) -> None:
        if previous_transaction.parent is None:  # the outermost: its changes are gone
            session.info.pop(CHANGED_KEY, None)

    event.listen(sessions, "after_commit", committed)
    event.listen(sessions, "after_soft_rollback", rolled_back)


def fresh_state(session: Callable[[], Session], list_id: str, cache: SignedListCache,
                stamps: StatusStamps | None = None) -> ListState | None:
    """``list_state``, with the database read skipped when ``stamps`` vouch for the
    cached bits (see StatusStamps). ``session`` is called only when the database must
    be read. Raises SQLAlchemyError when the database cannot be read."""
    if not is_list_id(list_id):
        return None
    if stamps is None:
        return list_state(session(), list_id, cache)
    stamp = stamps.read(list_id)
    if stamp is not None:
        held = cache.checked_state(list_id, stamp, stamps.clock() - stamps.recheck)
        if held is not None:
            return held
    read_at = stamps.clock()
    state = list_state(session(), list_id, cache)
    if state is not None:
        cache.mark_checked(list_id, state.version, read_at)
        if stamp is None or stamp < state.version:
            stamps.raise_to(list_id, state.version)
    return state
