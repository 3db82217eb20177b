"""What of verify's tables the housekeeping job may delete (edge.sweeps): rate-limit
counters (database store, verify.rate_counters) whose window has ended, since the
next hit under that key starts a new window anyway."""

from __future__ import annotations

from datetime import timedelta

from edge.sweeps import Sweep
from verify.models import RateCounter


def sweeps(window: timedelta) -> tuple[Sweep, ...]:
    """verify's sweeps; ``window`` is the rate limit's window (VERIFY_RATE_WINDOW)."""
    return (Sweep("verify_rate_counters", RateCounter,
                  lambda now: RateCounter.window_start < int((now - window).timestamp())),)
