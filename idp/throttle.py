"""Brute-force protection for logins, per account and per client IP.

Policy (``Policy``): the first ``free_failures`` failures cost nothing; from then on
failure n makes the key wait 2^(n - free_failures) seconds (1, 2, 4, ... s);
failure ``lock_after`` locks the key for ``lock_seconds``. Waiting is modelled as a
``locked_until`` instant, never as sleeping in a worker. Failures are forgotten
``window_seconds`` after the last one.

Keys are hashed login strings and IPs, whether or not an account exists, so an
unknown username is throttled exactly like a real one and nothing leaks. IPs get
a looser policy: a village station's kiosk puts many honest citizens behind one
address.

Storage is a small interface (``ThrottleStore``) with three implementations:
Redis (shared by all workers; ``idp.throttle_stores.RedisStore``), the database
(``SqlStore``) and memory (``MemoryStore``, for unit tests).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from idp.errors import TooManyAttempts


@dataclass(frozen=True, slots=True)
class Policy:
    free_failures: int = 3
    lock_after: int = 10
    lock_seconds: int = 900
    window_seconds: int = 900

    def locked_until(self, failures: int, now: float) -> float | None:
        """The instant the key is usable again after ``failures`` failures (None: now)."""
        if failures >= self.lock_after:
            return now + self.lock_seconds
        if failures >= self.free_failures:
            return now + 2 ** (failures - self.free_failures)
        return None


ACCOUNT_POLICY = Policy()
IP_POLICY = Policy(free_failures=30, lock_after=100, lock_seconds=900, window_seconds=900)


@dataclass(frozen=True, slots=True)
class State:
    failures: int = 0
    locked_until: float | None = None


class ThrottleStore(Protocol):
    def get(self, key: str) -> State: ...

    def record_failure(self, key: str, policy: Policy, now: float) -> State: ...

    def reset(self, key: str) -> None: ...


def account_key(login: str) -> str:
    """The throttle key for a login string (hashed: no usernames in Redis or tables)."""
    canonical = (login or "").strip().lower()
    return "acct:" + hashlib.sha256(canonical.encode()).hexdigest()[:40]


def ip_key(address: str | None) -> str:
    return "ip:" + hashlib.sha256((address or "unknown").encode()).hexdigest()[:40]


class Throttle:
    """Checks and records login attempts for (login, IP) pairs."""

    def __init__(self, store: ThrottleStore, clock: Callable[[], float] = time.time,
                 account_policy: Policy = ACCOUNT_POLICY, ip_policy: Policy = IP_POLICY):
        self.store, self.clock = store, clock
        self.account_policy, self.ip_policy = account_policy, ip_policy

    def check(self, login: str, address: str | None) -> None:
        """Raises TooManyAttempts while either key must wait."""
        now = self.clock()
        waits = [self.store.get(k).locked_until or 0 for k in self._keys(login, address)]
        if max(waits) > now:
            raise TooManyAttempts(int(max(waits) - now + 0.999))

    def failed(self, login: str, address: str | None) -> None:
        """Count a failure against both the login and the address."""
        now = self.clock()
        self.store.record_failure(account_key(login), self.account_policy, now)
        self.store.record_failure(ip_key(address), self.ip_policy, now)

    def succeeded(self, login: str) -> None:
        """Clear the login's count (never the IP's: one good account must not reset it)."""
        self.store.reset(account_key(login))

    @staticmethod
    def _keys(login: str, address: str | None) -> tuple[str, str]:
        return account_key(login), ip_key(address)
