"""The keys that protect second factors at rest, derived once from the KEK.

TOTP seeds are sealed and recovery and reset codes are stored as keyed hashes under keys that
come from the key-encryption key, not from the cookie secret: rotating
``ONEGATE_SECRET_KEY`` signs everyone out of their browser sessions but keeps every
authenticator working. Seeds sealed by earlier versions (under the cookie secret) are
still opened with ``legacy_seal`` and re-sealed under the KEK on their next use.
"""

from __future__ import annotations

from dataclasses import dataclass

from idp import sealing
from keys import derive_key

TOTP_PURPOSE = "idp totp seed"
RECOVERY_PURPOSE = "idp recovery code"
RESET_PURPOSE = "idp account reset code"
LEGACY_TOTP_PURPOSE = "idp totp secret"  # the cookie-secret derivation of version 0.1


@dataclass(frozen=True, slots=True)
class SecondFactorKeys:
    seal: bytes
    recovery: bytes
    #: HMAC key of one-time account reset codes (idp.reset_codes)
    reset: bytes
    legacy_seal: bytes | None = None

    @classmethod
    def from_kek(cls, kek: bytes, legacy_secret_key: str | bytes | None = None
                 ) -> SecondFactorKeys:
        """Derive the keys; raises ValueError for an empty KEK."""
        legacy = (sealing.derive_key(legacy_secret_key, LEGACY_TOTP_PURPOSE)
                  if legacy_secret_key else None)
        return cls(seal=derive_key(kek, TOTP_PURPOSE),
                   recovery=derive_key(kek, RECOVERY_PURPOSE),
                   reset=derive_key(kek, RESET_PURPOSE), legacy_seal=legacy)
