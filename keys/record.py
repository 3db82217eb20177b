"""The stored form of one signing key, independent of any database."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class KeyState(StrEnum):
    """Life cycle: next -> active -> retired; any state may become revoked."""

    NEXT = "next"  # published in JWKS, not yet signing
    ACTIVE = "active"  # signs
    RETIRED = "retired"  # published, verifies only
    REVOKED = "revoked"  # withdrawn: not published, verification fails


@dataclass(slots=True)
class KeyRecord:
    """One key of one owner; mirrors the ``signing_keys`` table.

    ``published`` is cleared by ``KeyRing.prune`` once a retired key has outlived
    everything it signed, and on revocation. ``mac`` is keys.row_mac's MAC of the
    usage columns, written by the ring with every change (None: not ours).
    """

    kid: str
    owner: str
    alg: str
    state: KeyState
    public_jwk: dict[str, str]
    encrypted_private: bytes
    created_at: datetime
    activates_at: datetime
    retired_at: datetime | None = None
    revoked_at: datetime | None = None
    published: bool = True
    mac: str | None = None

    def copy(self) -> KeyRecord:
        """A copy that shares no mutable state with this record."""
        return dataclasses.replace(self, public_jwk=dict(self.public_jwk))
