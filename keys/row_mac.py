"""A MAC over the columns of a key row that say how it may be used.

The sealed private key proves a row's origin (keys.provenance) but not its state: a
database writer could flip a revoked key back to active, un-prune a retired one or
move a key to another owner. The ring therefore MACs, under a key derived from the
KEK, the kid, owner, alg, state, times and publication of every row it writes, and
trusts a row only while that MAC matches. Rows from before the MAC existed get one
once, when the keys_0002 migration runs with the KEK (only if their sealed key
opens); revoking a key also destroys its sealed private key, so a revoked row can
never prove its origin again, MAC or not.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

from keys.derivation import derive_key
from keys.record import KeyRecord

PURPOSE = "signing key rows v1"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def mac_key(kek: bytes) -> bytes:
    """The row-MAC key for ``kek``; raises ValueError for an empty KEK."""
    return derive_key(kek, PURPOSE)


def _micros(value: datetime | None) -> int | None:
    # Whole microseconds since the epoch: what both SQLite and PostgreSQL keep, and
    # independent of the offset the database hands the value back in.
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - _EPOCH) // timedelta(microseconds=1)


def compute(record: KeyRecord, key: bytes) -> str:
    """Hex HMAC-SHA256 of the row's usage columns under ``key``; raises nothing."""
    fields = [PURPOSE, record.kid, record.owner, record.alg, str(record.state),
              _micros(record.created_at), _micros(record.activates_at),
              _micros(record.retired_at), _micros(record.revoked_at), bool(record.published)]
    message = json.dumps(fields, separators=(",", ":"), ensure_ascii=True).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def matches(record: KeyRecord, key: bytes) -> bool:
    """Whether the record carries the MAC its columns should have; raises nothing."""
    return isinstance(record.mac, str) and hmac.compare_digest(record.mac, compute(record, key))
