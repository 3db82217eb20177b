"""Offline QR text, in the style of the EU Digital COVID Certificate (HCERT) pipeline:

    CWT claims -> COSE_Sign1 (tag 18) -> zlib level 9 -> Base45 -> "LIC1:" prefix

The prefix is versioned so a later layout can be told apart. Decoding is bounded at
every step (text length, inflated size, CBOR depth) because QR input is hostile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from credentials.formats import base45, cose, cwt, inflate, validity
from credentials.formats.cose import CoseSign1
from credentials.formats.cwt import CwtClaims
from credentials.formats.errors import InputTooLarge, WrongPrefix

PREFIX = "LIC1:"
MAX_TEXT = 8192  # QR version 40-L holds 4296 alphanumeric characters
DEFAULT_MAX_DECOMPRESSED = 16384


@dataclass(frozen=True)
class DecodedOffline:
    """A decoded offline code; nothing in it is trusted until ``verify`` succeeds."""

    kid: bytes | None
    alg: str
    protected: dict[Any, Any]
    claims: CwtClaims
    cose: bytes
    message: CoseSign1


def encode(
    claims: dict[Any, Any],
    *,
    private_key: Any,
    kid: str | bytes,
    alg: str,
    iss: str,
    iat: int,
    nbf: int | None,
    exp: int,
) -> str:
    """Sign the licence ``claims`` (kept compact by the caller) into offline QR text.

    Raises InvalidClaim/MissingClaim, UnsupportedAlgorithm or KeyAlgorithmMismatch.
    """
    payload = cwt.encode(claims, iss=iss, iat=iat, nbf=nbf, exp=exp)
    message = cose.sign1(payload, private_key=private_key, alg=alg, kid=kid)
    return PREFIX + base45.encode(inflate.compress(message))


def decode(text: str, *, max_decompressed: int = DEFAULT_MAX_DECOMPRESSED) -> DecodedOffline:
    """Decode offline QR text WITHOUT checking the signature.

    Raises WrongPrefix, InputTooLarge, InvalidBase45, InvalidCompression,
    DecompressionLimitExceeded, InvalidCbor, InvalidCose, UnsupportedAlgorithm,
    MissingClaim or InvalidClaim.
    """
    if not isinstance(text, str) or not text.startswith(PREFIX):
        raise WrongPrefix(f"offline code must start with {PREFIX!r}")
    if len(text) > MAX_TEXT:
        raise InputTooLarge("offline code text is too long")
    compressed = base45.decode(text[len(PREFIX) :])
    raw = inflate.decompress(compressed, max_size=max_decompressed)
    message = cose.decode_sign1(raw)
    return DecodedOffline(
        kid=message.kid,
        alg=message.alg,
        protected=message.protected_header,
        claims=cwt.decode(message.payload),
        cose=raw,
        message=message,
    )


def verify(decoded: DecodedOffline, public_key: Any, *, now: int, leeway: int = 0) -> CwtClaims:
    """Verify the COSE signature and the exp/nbf window; return the trusted claims.

    Raises KeyAlgorithmMismatch, InvalidSignature, Expired or NotYetValid.
    """
    cose.verify_sign1(decoded.message, public_key)
    claims = decoded.claims
    validity.check_window(exp=claims.exp, nbf=claims.nbf, now=now, leeway=leeway)
    return claims
