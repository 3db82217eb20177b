"""The hash chain itself, pure: canonical form of an entry and its SHA-256.

entry hash = SHA-256( canonical JSON of [seq, prev_hash, at, actor, action, subject, data] )

Canonical JSON: sorted keys, no insignificant whitespace, UTF-8 (Chinese text kept
as-is). ``at`` is UTC with microseconds, so what a database hands back (naive on
SQLite, aware on PostgreSQL) hashes the same as what was written.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainBreak:
    """The first entry whose stored values do not continue the chain."""

    seq: int
    reason: str


def canonical_time(at: datetime) -> str:
    """UTC, microsecond precision, ``Z`` suffix; a naive value is taken as UTC."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(seq: int, prev_hash: str, at: datetime, actor: str, action: str,
              subject: str, data: Any) -> bytes:
    """The bytes an entry's hash covers. Raises TypeError for non-JSON ``data``."""
    body = [seq, prev_hash, canonical_time(at), actor, action, subject, data]
    return json.dumps(body, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, allow_nan=False).encode("utf-8")


def entry_hash(seq: int, prev_hash: str, at: datetime, actor: str, action: str,
               subject: str, data: Any) -> str:
    """Hex SHA-256 of the canonical form."""
    return hashlib.sha256(canonical(seq, prev_hash, at, actor, action, subject, data)).hexdigest()


def check_link(entry: Any, previous: Any | None) -> str | None:
    """Why ``entry`` does not follow ``previous`` (None for the first), or None if it does.

    ``entry`` and ``previous`` are any objects with the entry attributes.
    """
    expected_seq = 1 if previous is None else previous.seq + 1
    if entry.seq != expected_seq:
        return f"sequence jumps from {expected_seq - 1} to {entry.seq} (entries deleted)"
    expected_prev = GENESIS if previous is None else previous.hash
    if entry.prev_hash != expected_prev:
        return "prev_hash does not match the previous entry's hash"
    recomputed = entry_hash(entry.seq, entry.prev_hash, entry.at, entry.actor, entry.action,
                            entry.subject, entry.data)
    if recomputed != entry.hash:
        return "stored hash does not match the entry's contents (entry edited)"
    return None
