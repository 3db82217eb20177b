"""Signing keys: generate, store envelope-encrypted, rotate, publish as JWKS, sign.

Pure: imports neither Flask nor SQLAlchemy. The SQL store lives in
``keys.sql_store`` (and its table in ``keys.models``), imported only by those
who need it.
"""

from keys.algorithms import ALGORITHMS, RSA_KEY_SIZE
from keys.derivation import derive_key
from keys.errors import (
    KeyDecryptionError,
    KeyRevoked,
    KeysError,
    NoActiveKey,
    UnknownKey,
    UntrustedKey,
)
from keys.memory_store import InMemoryKeyStore
from keys.owners import AUDIT, PROVIDER, department
from keys.record import KeyRecord, KeyState
from keys.ring import DEFAULT_RETIRE_AFTER, KeyRing
from keys.signer import Signer
from keys.store import KeyStore

__all__ = [
    "ALGORITHMS",
    "AUDIT",
    "DEFAULT_RETIRE_AFTER",
    "PROVIDER",
    "RSA_KEY_SIZE",
    "InMemoryKeyStore",
    "KeyDecryptionError",
    "KeyRecord",
    "KeyRevoked",
    "KeyRing",
    "KeyState",
    "KeyStore",
    "KeysError",
    "NoActiveKey",
    "Signer",
    "UnknownKey",
    "UntrustedKey",
    "department",
    "derive_key",
]
