"""The storage interface the ring depends on (one implementation per backend)."""

from __future__ import annotations

from typing import Protocol

from keys.record import KeyRecord


class KeyStore(Protocol):
    """Persists KeyRecords. Implementations return copies: mutating a returned
    record changes nothing until it is passed to ``save``."""

    def add(self, record: KeyRecord) -> None:
        """Insert a new record; raises ValueError if its kid already exists."""
        ...

    def save(self, record: KeyRecord) -> None:
        """Overwrite an existing record; raises UnknownKey if its kid does not exist."""
        ...

    def get(self, kid: str) -> KeyRecord | None:
        """The record with this kid, or None."""
        ...

    def list_for_owner(self, owner: str) -> list[KeyRecord]:
        """The owner's records, oldest first; raises nothing."""
        ...

    def stamp(self, owner: str) -> tuple:
        """A cheap value that changes whenever the owner's JWKS may change (one small
        read, no key material)."""
        ...

    def list_all(self) -> list[KeyRecord]:
        """Every record, by owner then age; raises nothing."""
        ...
