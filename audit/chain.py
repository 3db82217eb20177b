"""The chain itself, pure: canonical form of an entry, its MAC, and the link rules.

entry hash = HMAC-SHA256( chain key, canonical JSON of [seq, prev_hash, at, actor, action,
                                                       subject, data] )

The chain key is derived from the key-encryption key (``audit.keying``), which never
enters the database: someone who can only write the database cannot recompute a keyed
entry, so editing one breaks the chain for good. Entries written before keying
(``hash_alg`` ``sha256``) used a bare SHA-256 of the same bytes; they are accepted only
as a prefix of the log, sealed by a keyed ``audit.chain.keyed`` entry that records the
last of them, so keyed entries cannot be rewritten as legacy ones.

Canonical JSON: sorted keys, no insignificant whitespace, UTF-8 (Chinese text kept
as-is). ``at`` is UTC with microseconds, so what a database hands back (naive on
SQLite, aware on PostgreSQL) hashes the same as what was written.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
#: ``hash_alg`` of entries written before the chain was keyed (bare SHA-256).
LEGACY = "sha256"
#: ``hash_alg`` of keyed entries.
KEYED = "hmac-sha256"
#: The action of the keyed entry that seals the legacy prefix.
KEYED_START = "audit.chain.keyed"


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
    """Hex SHA-256 of the canonical form: the legacy, unkeyed link (verification only)."""
    return hashlib.sha256(canonical(seq, prev_hash, at, actor, action, subject, data)).hexdigest()


def entry_mac(key: bytes, seq: int, prev_hash: str, at: datetime, actor: str, action: str,
              subject: str, data: Any) -> str:
    """Hex HMAC-SHA256 of the canonical form under the chain key.

    Raises TypeError for non-JSON ``data``, ValueError for an empty key.
    """
    if not key:
        raise ValueError("the audit chain key is empty")
    body = canonical(seq, prev_hash, at, actor, action, subject, data)
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def seal_data(legacy_seq: int, legacy_hash: str) -> dict[str, Any]:
    """What the keyed-start entry records about the legacy prefix it seals."""
    return {"legacy_entries": legacy_seq, "legacy_head": legacy_hash}


def check_link(entry: Any, previous: Any | None, key: bytes) -> str | None:
    """Why ``entry`` does not follow ``previous`` (None for the first), or None if it does.

    ``entry`` and ``previous`` are any objects with the entry attributes (``hash_alg``
    included). Raises ValueError for an empty key.
    """
    expected_seq = 1 if previous is None else previous.seq + 1
    if entry.seq != expected_seq:
        return f"sequence jumps from {expected_seq - 1} to {entry.seq} (entries deleted)"
    expected_prev = GENESIS if previous is None else previous.hash
    if entry.prev_hash != expected_prev:
        return "prev_hash does not match the previous entry's hash"
    reason = _check_kind(entry, previous)
    if reason is not None:
        return reason
    fields = (entry.seq, entry.prev_hash, entry.at, entry.actor, entry.action, entry.subject,
              entry.data)
    if entry.hash_alg == LEGACY:
        recomputed = entry_hash(*fields)
    else:
        recomputed = entry_mac(key, *fields)
    if not hmac.compare_digest(recomputed, entry.hash):
        return ("stored hash does not match the entry's contents under the chain key "
                "(entry edited or chain recomputed)")
    return None


def _check_kind(entry: Any, previous: Any | None) -> str | None:
    """Legacy entries only as a prefix, and the first keyed entry after them seals them."""
    if entry.hash_alg not in (LEGACY, KEYED):
        return f"unknown hash_alg {entry.hash_alg!r}"
    before = None if previous is None else previous.hash_alg
    if entry.hash_alg == LEGACY:
        if before == KEYED:
            return "unkeyed entry after keyed ones (keyed entries rewritten as legacy)"
        return None
    if before == LEGACY:
        sealed = seal_data(previous.seq, previous.hash)
        if entry.action != KEYED_START or entry.data != sealed:
            return "first keyed entry does not seal the legacy entries before it"
    return None


def check_end(last: Any | None) -> str | None:
    """Why a log ending with ``last`` is not acceptable, or None: a log of nothing but
    legacy entries was never sealed (or had its keyed entries rewritten as legacy)."""
    if last is not None and last.hash_alg == LEGACY:
        return ("the log ends with unkeyed entries and no keyed start seals them "
                "(keyed entries rewritten, or the trail never sealed: onegate db upgrade)")
    return None
