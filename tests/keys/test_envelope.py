"""Envelope encryption of private keys: round trip, wrong KEK, tampering, opacity."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization

from keys import ALGORITHMS, KeyDecryptionError
from keys.algorithms import generate_private_key, private_key_to_der
from keys.envelope import MAGIC, open_sealed, seal

KID = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_round_trip(kek):
    blob = seal(b"private key bytes", kek=kek, kid=KID)
    assert blob.startswith(MAGIC)
    assert open_sealed(blob, kek=kek, kid=KID) == b"private key bytes"


def test_every_seal_uses_fresh_keys_and_nonces(kek):
    assert seal(b"same", kek=kek, kid=KID) != seal(b"same", kek=kek, kid=KID)


def test_wrong_kek_fails(kek, other_kek):
    blob = seal(b"secret", kek=kek, kid=KID)
    with pytest.raises(KeyDecryptionError):
        open_sealed(blob, kek=other_kek, kid=KID)


def test_blob_is_bound_to_its_kid(kek):
    blob = seal(b"secret", kek=kek, kid=KID)
    with pytest.raises(KeyDecryptionError):
        open_sealed(blob, kek=kek, kid="another-kid")


def test_any_flipped_byte_fails(kek):
    blob = seal(b"secret", kek=kek, kid=KID)
    for position in range(len(blob)):
        tampered = bytearray(blob)
        tampered[position] ^= 0x01
        with pytest.raises(KeyDecryptionError):
            open_sealed(bytes(tampered), kek=kek, kid=KID)


@pytest.mark.parametrize("cut", [0, 4, 20, 70, -1])
def test_truncated_or_foreign_blob_fails(kek, cut):
    blob = seal(b"secret", kek=kek, kid=KID)
    with pytest.raises(KeyDecryptionError):
        open_sealed(blob[:cut], kek=kek, kid=KID)
    with pytest.raises(KeyDecryptionError):
        open_sealed(b"OGK2" + blob[4:], kek=kek, kid=KID)


@pytest.mark.parametrize("bad", [b"", b"x" * 16, b"x" * 31, b"x" * 33, "k" * 32])
def test_kek_must_be_32_bytes(bad):
    with pytest.raises(ValueError):
        seal(b"secret", kek=bad, kid=KID)
    with pytest.raises(ValueError):
        open_sealed(b"OGK1" + b"\0" * 100, kek=bad, kid=KID)


def _parses_as_private_key(data: bytes) -> bool:
    for load in (serialization.load_der_private_key, serialization.load_pem_private_key):
        try:
            load(data, password=None)
        except (ValueError, TypeError):
            continue
        return True
    return False


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_blob_reveals_no_private_key_without_the_kek(kek, alg):
    der = private_key_to_der(generate_private_key(alg))
    blob = seal(der, kek=kek, kid=KID)
    assert der not in blob
    assert not _parses_as_private_key(blob)
    for i in range(len(blob)):
        assert not _parses_as_private_key(blob[i:])
        assert not _parses_as_private_key(blob[:i])
