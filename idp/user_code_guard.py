"""Budgets of user-code guesses on the verification page (RFC 8628 section 5.1).

Section 5.1: "it is recommended that the server rate-limit user code attempts. The
user code SHOULD have enough entropy that, when combined with rate-limiting and
other mitigations, a brute-force attack becomes infeasible." A user code has about
34.6 bits (``idp.user_codes``), so guessing is stopped by counting: every
well-formed code looked up spends one attempt of the signed-in session (its
``sid``) and one of the source address, *before* the lookup (reserve first, as
``idp.throttle`` does); a code that is found gives both back. So only wrong codes
use the budgets: ``attempts`` per session and five times as many per
address (a hall's guest Wi-Fi puts many honest phones behind one address) in a
15-minute window, after which the key waits out the window. Over a code's
ten-minute life one address can test at most 50 of 2**34.6 codes.

Counts live in the throttle store (Redis, or the database in short transactions of
their own: call ``admit`` and ``found`` before the request's first write). A store
that cannot answer refuses (``ThrottleUnavailable``): fail closed.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from idp.errors import ThrottleUnavailable, TooManyAttempts
from idp.throttle import UNAVAILABLE_RETRY_AFTER, Policy, StoreUnavailable, ThrottleStore

WINDOW = 900
ADDRESS_FACTOR = 5


def _key(kind: str, value: str | None) -> str:
    return f"uc{kind}:" + hashlib.sha256((value or "unknown").encode()).hexdigest()[:40]


@dataclass(slots=True)
class UserCodeGuard:
    store: ThrottleStore
    attempts: int
    clock: Callable[[], float] = field(default=time.time)

    def _budgets(self, sid: str, address: str | None) -> list[tuple[str, Policy]]:
        def policy(limit: int) -> Policy:
            return Policy(free=limit, max_delay=0, lock_after=limit, lock_seconds=WINDOW,
                          window_seconds=WINDOW)

        return [(_key("a", address), policy(self.attempts * ADDRESS_FACTOR)),
                (_key("s", sid), policy(self.attempts))]

    def admit(self, sid: str, address: str | None) -> None:
        """Spend one guess of the session ``sid`` and of ``address``. Raises
        TooManyAttempts (with the wait) once either budget is spent, and
        ThrottleUnavailable when the store cannot be reached."""
        now = self.clock()
        budgets = self._budgets(sid, address)
        try:
            waiting = self.store.peek([k for k, _ in budgets], now)
            if waiting > now:
                raise TooManyAttempts(max(1, math.ceil(waiting - now)))
            for key, policy in budgets:
                hit = self.store.hit(key, policy, now)
                if not hit.admitted:
                    raise TooManyAttempts(max(1, math.ceil(hit.locked_until - now)))
        except StoreUnavailable as exc:
            raise ThrottleUnavailable(UNAVAILABLE_RETRY_AFTER) from exc

    def found(self, sid: str, address: str | None) -> None:
        """The code was right: give the guess back to both budgets.
        Raises ThrottleUnavailable."""
        try:
            for key, _ in self._budgets(sid, address):
                self.store.refund(key)
        except StoreUnavailable as exc:
            raise ThrottleUnavailable(UNAVAILABLE_RETRY_AFTER) from exc
