"""COSE_Sign1 (RFC 9052 section 4.2) with ES256 and EdDSA (RFC 9053 sections 2.1, 2.2).

Protected header: {1: alg, 4: kid}. The message is tagged with CBOR tag 18.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cbor2
from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from credentials.formats import strict_cbor
from credentials.formats.errors import (
    InvalidCose,
    InvalidSignature,
    KeyAlgorithmMismatch,
    UnsupportedAlgorithm,
)

TAG_SIGN1 = 18
HEADER_ALG = 1
HEADER_KID = 4
ALGORITHMS = {"ES256": -7, "EdDSA": -8}
ALGORITHM_NAMES = {value: name for name, value in ALGORITHMS.items()}
_P256_BYTES = 32


@dataclass(frozen=True)
class CoseSign1:
    """A decoded COSE_Sign1; ``protected`` is the serialized bstr as signed."""

    protected: bytes
    protected_header: dict[Any, Any]
    unprotected: dict[Any, Any]
    payload: bytes
    signature: bytes

    @property
    def alg(self) -> str:
        return ALGORITHM_NAMES[self.protected_header[HEADER_ALG]]

    @property
    def kid(self) -> bytes | None:
        return self.protected_header.get(HEADER_KID)


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    """RFC 9052 section 4.4: ["Signature1", body_protected, external_aad, payload]."""
    return strict_cbor.dumps(["Signature1", protected, b"", payload])


def sign1(payload: bytes, *, private_key: Any, alg: str, kid: str | bytes) -> bytes:
    """Produce a tagged COSE_Sign1 over ``payload``.

    Raises UnsupportedAlgorithm or KeyAlgorithmMismatch.
    """
    _check_key(alg, private_key, private=True)
    kid_bytes = kid.encode("utf-8") if isinstance(kid, str) else bytes(kid)
    protected = strict_cbor.dumps({HEADER_ALG: ALGORITHMS[alg], HEADER_KID: kid_bytes})
    signature = _sign(alg, private_key, sig_structure(protected, payload))
    return cbor2.dumps(cbor2.CBORTag(TAG_SIGN1, [protected, {}, payload, signature]))


def decode_sign1(data: bytes) -> CoseSign1:
    """Decode a tagged COSE_Sign1 without checking the signature.

    Raises InvalidCbor, InvalidCose (wrong tag, shape or header types) or
    UnsupportedAlgorithm.
    """
    item = strict_cbor.loads(data)
    if not isinstance(item, cbor2.CBORTag) or item.tag != TAG_SIGN1:
        raise InvalidCose("expected a COSE_Sign1 with CBOR tag 18")
    parts = item.value
    if not isinstance(parts, list | tuple) or len(parts) != 4:
        raise InvalidCose("COSE_Sign1 is an array of four elements")
    protected, unprotected, payload, signature = parts
    if not all(isinstance(v, bytes) for v in (protected, payload, signature)):
        raise InvalidCose("protected, payload and signature are byte strings")
    if not isinstance(unprotected, Mapping):
        raise InvalidCose("unprotected header is a map")
    header = _protected_header(protected, unprotected)
    return CoseSign1(protected, header, dict(unprotected), payload, signature)


def _protected_header(protected: bytes, unprotected: Mapping[Any, Any]) -> dict[Any, Any]:
    header = strict_cbor.loads(protected) if protected else {}
    if not isinstance(header, Mapping):
        raise InvalidCose("protected header is a serialized map")
    if set(header) & set(unprotected):
        # RFC 9052 section 3: labels "MUST" occur only once across both buckets.
        raise InvalidCose("a header label appears in both buckets")
    if header.get(HEADER_ALG) not in ALGORITHM_NAMES:
        raise UnsupportedAlgorithm("protected alg must be ES256 (-7) or EdDSA (-8)")
    if HEADER_KID in header and not isinstance(header[HEADER_KID], bytes):
        raise InvalidCose("kid is a byte string (RFC 9052 section 3.1)")
    if 2 in header:
        # RFC 9052 section 3.1: `crit` parameters must be understood; we know none.
        raise InvalidCose("crit header parameters are not supported")
    return dict(header)


def verify_sign1(message: CoseSign1, public_key: Any) -> None:
    """Check the signature of a decoded COSE_Sign1.

    Raises KeyAlgorithmMismatch or InvalidSignature.
    """
    _check_key(message.alg, public_key, private=False)
    to_be_signed = sig_structure(message.protected, message.payload)
    try:
        _verify(message.alg, public_key, message.signature, to_be_signed)
    except _CryptoInvalidSignature as exc:
        raise InvalidSignature("COSE signature does not verify") from exc


def _check_key(alg: str, key: Any, *, private: bool) -> None:
    if alg == "ES256":
        wanted = ec.EllipticCurvePrivateKey if private else ec.EllipticCurvePublicKey
        if not isinstance(key, wanted) or not isinstance(key.curve, ec.SECP256R1):
            raise KeyAlgorithmMismatch("ES256 needs a P-256 key")
    elif alg == "EdDSA":
        wanted = ed25519.Ed25519PrivateKey if private else ed25519.Ed25519PublicKey
        if not isinstance(key, wanted):
            raise KeyAlgorithmMismatch("EdDSA needs an Ed25519 key")
    else:
        raise UnsupportedAlgorithm(f"unsupported COSE alg {alg!r}")


def _sign(alg: str, key: Any, data: bytes) -> bytes:
    if alg == "EdDSA":
        return key.sign(data)
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    # RFC 9053 section 2.1: the signature is r and s as fixed-length big-endian
    # integers, concatenated - not DER.
    return r.to_bytes(_P256_BYTES, "big") + s.to_bytes(_P256_BYTES, "big")


def _verify(alg: str, key: Any, signature: bytes, data: bytes) -> None:
    if alg == "EdDSA":
        key.verify(signature, data)
        return
    if len(signature) != 2 * _P256_BYTES:
        raise InvalidSignature("ES256 signature must be 64 bytes r||s (RFC 9053 section 2.1)")
    r = int.from_bytes(signature[:_P256_BYTES], "big")
    s = int.from_bytes(signature[_P256_BYTES:], "big")
    key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
