"""The signing algorithms the ring supports and how their keys are generated."""

from __future__ import annotations

from typing import TypeAlias

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

#: JWS algorithm names (RFC 7518 / RFC 8037), in the order the provider prefers.
ALGORITHMS = ("ES256", "RS256", "EdDSA")

#: 2048 bits keeps key generation fast enough for tests and rotation jobs while
#: meeting RFC 7518's minimum; raise it here if policy asks for 3072.
RSA_KEY_SIZE = 2048
RSA_PUBLIC_EXPONENT = 65537

PrivateKey: TypeAlias = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
PublicKey: TypeAlias = ec.EllipticCurvePublicKey | rsa.RSAPublicKey | ed25519.Ed25519PublicKey


def check_algorithm(alg: str) -> str:
    """Return ``alg`` unchanged; raises ValueError if the ring does not support it."""
    if alg not in ALGORITHMS:
        raise ValueError(f"unsupported algorithm {alg!r}; expected one of {ALGORITHMS}")
    return alg


def generate_private_key(alg: str) -> PrivateKey:
    """A fresh private key for ``alg``; raises ValueError for an unsupported algorithm."""
    check_algorithm(alg)
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if alg == "RS256":
        return rsa.generate_private_key(public_exponent=RSA_PUBLIC_EXPONENT, key_size=RSA_KEY_SIZE)
    return ed25519.Ed25519PrivateKey.generate()


def private_key_to_der(key: PrivateKey) -> bytes:
    """Unencrypted PKCS#8 DER; only ever handed straight to the envelope."""
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def private_key_from_der(der: bytes) -> PrivateKey:
    """Parse PKCS#8 DER; raises ValueError if it is not a supported private key."""
    key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, PrivateKey):
        raise ValueError(f"unsupported private key type {type(key).__name__}")
    return key
