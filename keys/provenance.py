"""Proof that a stored key row was made by a holder of the KEK.

The ``signing_keys`` table is readable and writable by whoever has the database;
the KEK is not in it. A row's public JWK and kid are plain columns anyone can
write, so they prove nothing by themselves: an attacker could insert their own
public key (kid = its RFC 7638 thumbprint) and have it published and trusted. Only
the sealed private key proves origin: it opens only under the KEK (the kid is its
associated data), and the key inside must be the private half of the stored public
JWK. A row passes only if all three agree.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from keys.algorithms import PrivateKey, private_key_from_der
from keys.envelope import open_sealed
from keys.errors import KeyDecryptionError
from keys.jwk import public_jwk, required_members, thumbprint
from keys.record import KeyRecord


def prove_origin(record: KeyRecord, kek: bytes) -> tuple[dict[str, str], PrivateKey]:
    """The row's public JWK members and private key, once they are shown to agree.

    Raises KeyDecryptionError when the sealed key does not open under ``kek`` for
    this kid, is unreadable, is not the private half of the stored public JWK or not
    a key of the row's alg, or when that JWK's thumbprint is not the kid.
    """
    try:
        stored = required_members(record.public_jwk)
    except ValueError as exc:
        raise KeyDecryptionError(f"public key of {record.kid} is malformed") from exc
    if thumbprint(stored) != record.kid:
        raise KeyDecryptionError(f"public key of {record.kid} does not match its kid")
    der = open_sealed(record.encrypted_private, kek=kek, kid=record.kid)
    try:
        private = private_key_from_der(der)
        derived = public_jwk(private.public_key())
    except ValueError as exc:
        raise KeyDecryptionError(f"private key {record.kid} is unreadable") from exc
    if derived != stored:
        raise KeyDecryptionError(f"sealed key of {record.kid} is not its public key's pair")
    if not isinstance(private, _KEY_TYPES.get(record.alg, ())):
        raise KeyDecryptionError(f"key {record.kid} is not a {record.alg} key")
    return stored, private


_KEY_TYPES = {"ES256": ec.EllipticCurvePrivateKey, "RS256": rsa.RSAPrivateKey,
              "EdDSA": ed25519.Ed25519PrivateKey}
