"""A KeyStore in process memory, for tests and tools that need no database."""

from __future__ import annotations

import json
import threading

from keys.errors import UnknownKey
from keys.record import KeyRecord


def _age(record: KeyRecord) -> tuple:
    return (record.created_at, record.kid)


class InMemoryKeyStore:
    """Thread-safe dict of copies; never shares a record with its callers."""

    def __init__(self) -> None:
        self._records: dict[str, KeyRecord] = {}
        self._lock = threading.Lock()

    def add(self, record: KeyRecord) -> None:
        """Insert a copy; raises ValueError if the kid already exists."""
        with self._lock:
            if record.kid in self._records:
                raise ValueError(f"key {record.kid} already exists")
            self._records[record.kid] = record.copy()

    def save(self, record: KeyRecord) -> None:
        """Replace the stored copy; raises UnknownKey if the kid does not exist."""
        with self._lock:
            if record.kid not in self._records:
                raise UnknownKey(record.kid)
            self._records[record.kid] = record.copy()

    def get(self, kid: str) -> KeyRecord | None:
        """A copy of the record, or None; raises nothing."""
        with self._lock:
            record = self._records.get(kid)
            return record.copy() if record else None

    def list_for_owner(self, owner: str) -> list[KeyRecord]:
        """Copies of the owner's records, oldest first; raises nothing."""
        with self._lock:
            found = [r.copy() for r in self._records.values() if r.owner == owner]
        return sorted(found, key=_age)

    def stamp(self, owner: str) -> tuple:
        """What the owner's published keys depend on; raises nothing."""
        with self._lock:
            return tuple(sorted(
                (r.kid, r.alg, str(r.state), bool(r.published), r.mac,
                 json.dumps(r.public_jwk, sort_keys=True))
                for r in self._records.values() if r.owner == owner))

    def list_all(self) -> list[KeyRecord]:
        """Copies of every record, by owner then age; raises nothing."""
        with self._lock:
            found = [r.copy() for r in self._records.values()]
        return sorted(found, key=lambda r: (r.owner, *_age(r)))
