"""Purpose-bound keys derived from the key-encryption key (HKDF-SHA256, RFC 5869).

Secrets that must survive a change of the cookie secret (TOTP seeds, keyed hashes of
recovery codes, client secrets and refresh tokens) are keyed from the KEK, which never
sits in the database. Each purpose gets its own ``info`` label, so one derived key
never serves two uses.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_SALT = b"onegate-kek-derivation-v1"


def derive_key(kek: bytes, purpose: str, length: int = 32) -> bytes:
    """``length`` bytes for ``purpose``; raises ValueError for an empty KEK or purpose."""
    if not kek or not purpose:
        raise ValueError("derive_key needs a key-encryption key and a purpose")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=_SALT,
                info=b"onegate " + purpose.encode())
    return hkdf.derive(kek)
