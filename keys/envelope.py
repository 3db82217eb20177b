"""Envelope encryption of private keys at rest.

Each key gets its own random 256-bit data key (DEK); the DEK encrypts the PKCS#8
DER private key with AES-256-GCM (associated data: the kid) and is itself wrapped
with AES-256-GCM under the key-encryption key (KEK), which never enters the
database. Blob layout, version 1::

    b"OGK1" | wrap nonce (12) | wrapped DEK (32 + 16 tag) | data nonce (12) | ciphertext + tag
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from keys.errors import KeyDecryptionError

MAGIC = b"OGK1"
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
WRAPPED_DEK_BYTES = KEY_BYTES + TAG_BYTES
HEADER_BYTES = len(MAGIC) + NONCE_BYTES + WRAPPED_DEK_BYTES + NONCE_BYTES


def check_kek(kek: bytes) -> bytes:
    """Return ``kek``; raises ValueError unless it is exactly 32 bytes."""
    if not isinstance(kek, bytes | bytearray) or len(kek) != KEY_BYTES:
        raise ValueError("the key-encryption key must be exactly 32 bytes")
    return bytes(kek)


def seal(plaintext: bytes, *, kek: bytes, kid: str) -> bytes:
    """Encrypt under a fresh DEK wrapped by ``kek``; raises ValueError on a bad KEK."""
    check_kek(kek)
    dek = AESGCM.generate_key(bit_length=256)
    wrap_nonce, data_nonce = os.urandom(NONCE_BYTES), os.urandom(NONCE_BYTES)
    # The wrap binds the format version and kid too, so a DEK cannot be moved
    # to another key's blob.
    wrapped = AESGCM(kek).encrypt(wrap_nonce, dek, MAGIC + kid.encode())
    ciphertext = AESGCM(dek).encrypt(data_nonce, plaintext, kid.encode())
    return MAGIC + wrap_nonce + wrapped + data_nonce + ciphertext


def open_sealed(blob: bytes, *, kek: bytes, kid: str) -> bytes:
    """Decrypt a blob made by ``seal``.

    Raises ValueError on a bad KEK length and KeyDecryptionError on a wrong KEK,
    wrong kid, unknown format or any tampering.
    """
    check_kek(kek)
    wrap_nonce, wrapped, data_nonce, ciphertext = _split(blob)
    try:
        dek = AESGCM(kek).decrypt(wrap_nonce, wrapped, MAGIC + kid.encode())
        return AESGCM(dek).decrypt(data_nonce, ciphertext, kid.encode())
    except InvalidTag:
        raise KeyDecryptionError(f"cannot decrypt private key {kid}") from None


def _split(blob: bytes) -> tuple[bytes, bytes, bytes, bytes]:
    if not blob.startswith(MAGIC) or len(blob) < HEADER_BYTES + TAG_BYTES:
        raise KeyDecryptionError("not an OGK1 key blob")
    at = len(MAGIC)
    wrap_nonce, at = blob[at:at + NONCE_BYTES], at + NONCE_BYTES
    wrapped, at = blob[at:at + WRAPPED_DEK_BYTES], at + WRAPPED_DEK_BYTES
    data_nonce, at = blob[at:at + NONCE_BYTES], at + NONCE_BYTES
    return wrap_nonce, wrapped, data_nonce, blob[at:]
