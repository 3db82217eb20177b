"""Sealing small secrets (TOTP seeds) at rest: AES-256-GCM.

The key comes from the key-encryption key (``idp.second_factor_keys``). The
associated data binds a sealed value to its row (e.g. the account's ``sub``), so a
ciphertext copied to another account does not open. ``derive_key`` remains for
opening seeds that version 0.1 sealed under a key derived from SECRET_KEY.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from idp.errors import SealBroken

_NONCE = 12


def derive_key(secret_key: str | bytes, purpose: str) -> bytes:
    """A 32-byte key for ``purpose`` from the app secret (version 0.1's seeds only)."""
    material = secret_key.encode() if isinstance(secret_key, str) else secret_key
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"onegate-idp-sealing",
                info=purpose.encode())
    return hkdf.derive(material)


def seal(key: bytes, plaintext: bytes, aad: bytes) -> str:
    """base64url(nonce || ciphertext || tag)."""
    nonce = os.urandom(_NONCE)
    sealed = nonce + AESGCM(key).encrypt(nonce, plaintext, aad)
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def unseal(key: bytes, token: str, aad: bytes) -> bytes:
    """The plaintext; raises SealBroken when the key, data or ``aad`` do not match."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        return AESGCM(key).decrypt(raw[:_NONCE], raw[_NONCE:], aad)
    except (InvalidTag, ValueError) as exc:
        raise SealBroken("sealed secret cannot be opened") from exc
