"""Brute-force protection for logins, keyed on the account name, atomically.

Three budgets are spent on every password attempt, *before* the password is checked
(reserve first, so 24 concurrent guesses cannot all slip past a check that only
counts failures afterwards):

``ip``       the source address: a loose budget (a village station's kiosk puts many
             honest citizens behind one address) against spraying many accounts.
``pair``     (account name, source address): locked for ``lock_seconds`` after
             ``lock_after`` attempts. Only that source is locked, so an attacker
             elsewhere cannot lock the person out.
``account``  the account name from every source: no lock, a growing delay
             (1, 2, 4 ... s, capped at ``max_delay``) after ``free`` attempts, so a
             distributed attacker is slowed down.
``device``   one device cookie (``idp.device_cookies``): locked for ``lock_seconds``
             after ``lock_after`` attempts, so a stolen cookie buys few guesses.

An attempt from a trusted device -- a valid device cookie for the account the name
resolves to, whose own budget is not locked -- spends the ``ip`` and ``device``
budgets only: it is exempt from the name's delay and the pair's lock, so an attacker
who keeps the name waiting (or who shares the person's address) does not keep the
person out. Every other attempt is untrusted and spends ``ip``, ``pair`` and
``account``. The untrusted name's delay is one slot per wait for every source: an
attacker retrying without pause takes each slot as it frees, so a person on a new
device may wait longer than ``max_delay`` while a sustained attack lasts (the
residual risk; a clerk's unlock, or a login from a trusted device, is the remedy).

The account name is ``login_names.canonical_login`` of what was typed -- the same
reduction the account lookup uses -- whether or not an account has it, so an unknown
name is throttled exactly like a real one and the throttle reveals nothing (each of an
account's names -- username, phone, ID number -- thus has its own budget; sharing one
would tell whoever exhausts it which names belong together). A correct password
from an untrusted device clears the account and pair budgets (from a trusted one,
the device's budget only: clearing the name's would hand the attacker fresh free
guesses) and takes its own attempt back from the address's. A counter clerk clears
an account's budgets with ``onegate accounts unlock``.

Keys are hashed (no login names in Redis or tables). Storage is a small interface
(``ThrottleStore``) with three implementations in ``idp.throttle_stores``: Redis (a
Lua script, shared by all workers), the database (one INSERT ... ON CONFLICT DO UPDATE
... RETURNING statement, on SQLite and PostgreSQL) and memory (unit tests). A store
that cannot answer raises ``StoreUnavailable``; the throttle then refuses (fails
closed) with ``ThrottleUnavailable``.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from edge.ratelimit import FixedWindow, RateLimited, RedisCounter, Unavailable, batch_for
from idp.errors import ThrottleUnavailable, TooManyAttempts

#: Seconds a client is told to wait when the throttle's store is unreachable.
UNAVAILABLE_RETRY_AFTER = 30


@dataclass(frozen=True, slots=True)
class Policy:
    """How long a key waits after ``n`` admitted attempts within one window.

    Attempts ``1..free`` cost nothing; then each makes the next wait 1, 2, 4 ... s,
    at most ``max_delay``; attempt ``lock_after`` (if set) locks the key for
    ``lock_seconds``. Counts are forgotten ``window_seconds`` after the first
    attempt of a window (or when a lock that outlasts the window ends).
    """

    free: int = 3
    max_delay: int = 60
    lock_after: int | None = None
    lock_seconds: int = 900
    window_seconds: int = 900

    def steps(self) -> tuple[tuple[int, int], ...]:
        """(from this many attempts, wait seconds) pairs, ascending: the whole policy."""
        steps, attempts, delay = [(0, 0)], self.free, 1
        limit = self.lock_after if self.lock_after is not None else math.inf
        while attempts < limit and delay < self.max_delay:
            steps.append((attempts, delay))
            attempts, delay = attempts + 1, delay * 2
        if attempts < limit and self.max_delay > 0:
            steps.append((attempts, self.max_delay))
        if self.lock_after is not None:
            steps.append((self.lock_after, self.lock_seconds))
        return tuple(steps)

    def wait(self, attempts: int) -> int:
        """Seconds to wait after ``attempts`` admitted attempts."""
        return next(w for n, w in reversed(self.steps()) if attempts >= n)


@dataclass(frozen=True, slots=True)
class Hit:
    """One atomic reservation: admitted or not, and until when the key now waits."""

    admitted: bool
    attempts: int
    locked_until: float


class StoreUnavailable(Exception):
    """The throttle store (Redis) cannot be reached: the caller must fail closed."""


class ThrottleStore(Protocol):
    def peek(self, keys: Sequence[str], now: float) -> float:
        """The latest ``locked_until`` of ``keys`` (0 when none waits); StoreUnavailable."""

    def hit(self, key: str, policy: Policy, now: float) -> Hit:
        """Atomically: refuse while the key waits, else count one attempt; StoreUnavailable."""

    def refund(self, key: str) -> None:
        """Take back one counted attempt (a success); raises StoreUnavailable."""

    def reset(self, keys: Sequence[str]) -> None:
        """Forget ``keys``; raises StoreUnavailable."""

    def reset_prefix(self, prefix: str) -> None:
        """Forget every key starting with ``prefix``; raises StoreUnavailable."""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def account_key(name: str) -> str:
    """The throttle key of a canonical account name (``str(LoginName)`` or ``totp:<id>``)."""
    return "acct:" + _digest(name)


def pair_key(name: str, address: str | None) -> str:
    return pair_prefix(name) + _digest(address or "unknown")


def pair_prefix(name: str) -> str:
    return "pair:" + _digest(name) + ":"


def ip_key(address: str | None) -> str:
    return "ip:" + _digest(address or "unknown")


def device_key(device_id: str) -> str:
    return "dev:" + _digest(device_id)


@dataclass(frozen=True, slots=True)
class Policies:
    account: Policy = Policy(free=3, max_delay=60)
    pair: Policy = Policy(free=10, max_delay=0, lock_after=10, lock_seconds=900)
    ip: Policy = Policy(free=30, max_delay=60, lock_after=100, lock_seconds=900)
    device: Policy = Policy(free=10, max_delay=0, lock_after=10, lock_seconds=900)

    @classmethod
    def from_settings(cls, settings) -> Policies:
        """From ONEGATE_LOGIN_* settings (a mapping without the prefix)."""
        lock_after, lock_time = settings["LOGIN_LOCK_AFTER"], settings["LOGIN_LOCK_TIME"]
        return cls(
            account=Policy(free=settings["LOGIN_DELAY_AFTER"],
                           max_delay=settings["LOGIN_DELAY_MAX"],
                           window_seconds=max(900, lock_time)),
            pair=Policy(free=lock_after, max_delay=0, lock_after=lock_after,
                        lock_seconds=lock_time, window_seconds=max(900, lock_time)),
            device=Policy(free=lock_after, max_delay=0, lock_after=lock_after,
                          lock_seconds=lock_time, window_seconds=max(900, lock_time)))


@dataclass(slots=True)
class Throttle:
    """Admits and clears login attempts for (account name, source address) pairs."""

    store: ThrottleStore
    clock: Callable[[], float] = time.time
    policies: Policies = field(default_factory=Policies)

    def admit(self, name: str, address: str | None, device: str | None = None) -> str | None:
        """Reserve one attempt for ``name`` from ``address`` before checking it.

        ``device`` is the id of a valid device cookie for the account ``name`` resolves
        to (None without one). Returns ``device`` when the attempt was admitted as
        trusted (pass it on to ``succeeded``), None when it was admitted as untrusted
        (no cookie, or the cookie's own budget is locked). Raises TooManyAttempts (with
        the wait) while a budget is spent, and ThrottleUnavailable when the store
        cannot be reached (never admits then).
        """
        now = self.clock()
        with _failing_closed():
            if device is not None and self.store.peek([device_key(device)], now) <= now:
                self._spend(((ip_key(address), self.policies.ip),
                             (device_key(device), self.policies.device)), now)
                return device
            # The address's and the pair's budgets first: a source that is locked
            # out never reaches (and never slows down) the account's own budget.
            self._spend(((ip_key(address), self.policies.ip),
                         (pair_key(name, address), self.policies.pair),
                         (account_key(name), self.policies.account)), now)
            return None

    def _spend(self, budgets: Sequence[tuple[str, Policy]], now: float) -> None:
        _refuse_if_waiting(self.store.peek([k for k, _ in budgets], now), now)
        for key, policy in budgets:
            hit = self.store.hit(key, policy, now)
            if not hit.admitted:
                raise TooManyAttempts(_seconds(hit.locked_until - now))

    def succeeded(self, name: str, address: str | None, device: str | None = None) -> None:
        """Clear the budgets this attempt spent -- the device's when ``admit`` trusted
        it (``device``), else the name's and the pair's -- and take back this attempt
        from the address's (only this one: one good account must not refill a spraying
        address, and a kiosk's honest logins must not use it up).
        Raises ThrottleUnavailable."""
        with _failing_closed():
            if device is not None:
                self.store.reset([device_key(device)])
            else:
                self.store.reset([account_key(name), pair_key(name, address)])
            self.store.refund(ip_key(address))

    def unlock(self, names: Sequence[str]) -> None:
        """A clerk's unlock: every budget of these names, from every source.
        Raises ThrottleUnavailable."""
        with _failing_closed():
            self.store.reset([account_key(n) for n in names])
            for name in names:
                self.store.reset_prefix(pair_prefix(name))



def _refuse_if_waiting(locked_until: float, now: float) -> None:
    """Raises TooManyAttempts (whole seconds, at least one) while ``now`` is before it."""
    if locked_until > now:
        raise TooManyAttempts(_seconds(locked_until - now))


def _seconds(wait: float) -> int:
    return max(1, math.ceil(wait))


@contextmanager
def _failing_closed() -> Iterator[None]:
    """Turns StoreUnavailable into ThrottleUnavailable (refuse, never admit)."""
    try:
        yield
    except StoreUnavailable as exc:
        raise ThrottleUnavailable(UNAVAILABLE_RETRY_AFTER) from exc


@dataclass(slots=True)
class RateLimit:
    """At most ``limit`` requests per ``window`` seconds per key, on a throttle store
    (shared by workers); the key then waits one window."""

    store: ThrottleStore
    limit: int
    window: int
    prefix: str
    clock: Callable[[], float] = time.time

    def hit(self, key: str) -> None:
        """Count one request; raises TooManyAttempts over the limit and
        ThrottleUnavailable when the store cannot be reached."""
        policy = Policy(free=self.limit, max_delay=0, lock_after=self.limit,
                        lock_seconds=self.window, window_seconds=self.window)
        now = self.clock()
        with _failing_closed():
            hit = self.store.hit(self.prefix + _digest(key), policy, now)
        if not hit.admitted:
            raise TooManyAttempts(_seconds(hit.locked_until - now))


class TokenBudget:
    """The token endpoint's per-client budget (ONEGATE_TOKEN_RATE_*), shared by workers.

    With Redis: ``edge.ratelimit.FixedWindow`` (the mechanism verify's limit uses),
    settled in batches of ``batch_for(limit)``: each worker counts locally and settles
    with one ``INCRBY`` per batch, the first hit of a key in a window and every hit
    near the limit at once, and at least once a second. A window admits at most
    ``limit + W x (batch - 1)`` requests per key across W worker processes; limits
    under 64 are exact. A refused request counts too; the key is refused until its
    window ends (Retry-After says when). Without Redis: ``RateLimit`` on the database
    throttle store (one upsert per request, exact; the key then waits one window).
    """

    def __init__(self, store: ThrottleStore, limit: int, window: int, redis=None,
                 clock: Callable[[], float] = time.time) -> None:
        self.limit, self.window = limit, window
        self._window = (FixedWindow(limit, window,
                                    RedisCounter(redis, prefix="onegate:rl:token:"),
                                    clock=clock, batch=batch_for(limit))
                        if redis is not None else None)
        self._fallback = RateLimit(store, limit, window, prefix="token:", clock=clock)

    def hit(self, key: str) -> None:
        """Count one request of ``key``; raises TooManyAttempts over the budget and
        ThrottleUnavailable when the shared count cannot be reached (fails closed)."""
        if self._window is None:
            self._fallback.hit(key)
            return
        try:
            self._window.hit(_digest(key))  # bounded key: the client_id is unchecked here
        except RateLimited as exc:
            raise TooManyAttempts(exc.retry_after) from None
        except Unavailable as exc:
            raise ThrottleUnavailable(UNAVAILABLE_RETRY_AFTER) from exc
