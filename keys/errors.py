"""Errors raised by the key ring, its stores and its crypto helpers."""

from __future__ import annotations


class KeysError(Exception):
    """Base class of every error the keys package raises on purpose."""


class UnknownKey(KeysError):
    """No key with this kid exists (or it belongs to another owner)."""


class KeyRevoked(KeysError):
    """The key was withdrawn: nothing may be verified (or signed) with it."""


class KeyDecryptionError(KeysError):
    """Stored key material could not be decrypted or failed its integrity check."""


class UntrustedKey(UnknownKey, KeyDecryptionError):
    """A stored key row did not prove it came from a holder of the KEK (its sealed
    private key does not open, or does not match its public key and kid): it is
    neither published nor used, as if it did not exist."""


class NoActiveKey(KeysError):
    """The owner has no active key of the requested algorithm."""
