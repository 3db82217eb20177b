"""Peak resident set size of this process, for the bench scripts' last line."""

from __future__ import annotations

import resource
import sys


def peak_rss_mb() -> float:
    """Peak RSS in MiB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def print_rss(label: str = "this process") -> None:
    print(f"peak RSS ({label}): {peak_rss_mb():.0f} MiB")
