"""The chain key: HKDF-SHA256 of the key-encryption key under a label of its own.

Pure. The audit package never sees the KEK's other uses (``keys`` seals private keys
with the KEK itself; other derived keys use other labels), and admin hands the
derived key in: audit imports no other package of ours.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

#: HKDF info label; a new label (v2) would start a new keyed chain.
CHAIN_KEY_INFO = b"onegate audit chain HMAC-SHA256 v1"
KEY_BYTES = 32


def derive_chain_key(kek: bytes) -> bytes:
    """The 32-byte HMAC key of the audit chain; raises ValueError unless ``kek`` is 32 bytes."""
    if not isinstance(kek, bytes | bytearray) or len(kek) != KEY_BYTES:
        raise ValueError("the key-encryption key must be exactly 32 bytes")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=b"onegate-audit",
                info=CHAIN_KEY_INFO)
    return hkdf.derive(bytes(kek))
