"""Password hashing: argon2id at the OWASP Password Storage Cheat Sheet parameters
(m=19 MiB, t=2, p=1). Hashes carry their parameters, so a change of policy is
applied by rehashing at the next successful login (``needs_rehash``)."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MEMORY_COST_KIB = 19456
TIME_COST = 2
PARALLELISM = 1

_HASHER = PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_COST_KIB,
                         parallelism=PARALLELISM, type=Type.ID)

# Verified against when the login names no account, so both paths cost one argon2 run.
_DUMMY_HASH = _HASHER.hash("onegate-timing-equaliser")


def hash_password(password: str) -> str:
    """An argon2id PHC string; raises ValueError on an empty password."""
    if not password:
        raise ValueError("empty password")
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; never raises (a malformed hash is a mismatch).

    With ``password_hash=None`` it still spends one argon2 verification and returns
    False, so unknown accounts take as long as wrong passwords.
    """
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than today's."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True
