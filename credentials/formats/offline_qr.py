"""Offline QR text, in the style of the EU Digital COVID Certificate (HCERT) pipeline:

    CWT claims -> COSE_Sign1 (tag 18) -> zlib level 9 -> Base45 -> "LIC1:" prefix

Every byte costs QR modules, so the message names things by short references a
verifier resolves through the trust list:

- protected header ``{1: alg, 4: kid}``: ``kid`` is the first 8 bytes (``KID_BYTES``)
  of the signing key's RFC 7638 SHA-256 thumbprint, i.e. of its JWK ``kid``
  base64url-decoded (the EU DCC convention). The key is the one JWK, among those the
  trust list publishes for the department, whose ``kid`` base64url-decodes to bytes
  beginning with these 8 (``kid_matches``);
- CWT ``iss`` (1) is the department code (``gdamr``), not its issuer URL;
- the licence claim (-65537) is the ``compact_licence`` map.

The prefix is versioned so a later layout can be told apart. Decoding is bounded at
every step (text length, inflated size, CBOR depth, kid length) because QR input is
hostile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from credentials.formats import base45, base64url, cose, cwt, inflate, validity
from credentials.formats.cose import CoseSign1
from credentials.formats.cwt import CwtClaims
from credentials.formats.errors import (
    FormatError,
    InputTooLarge,
    InvalidClaim,
    InvalidCose,
    WrongPrefix,
)

PREFIX = "LIC1:"
MAX_TEXT = 8192  # QR version 40-L holds 4296 alphanumeric characters
DEFAULT_MAX_DECOMPRESSED = 16384
KID_BYTES = 8


def kid_prefix(jwk_kid: str) -> bytes:
    """The COSE ``kid`` for a key: the first 8 bytes of its base64url-decoded JWK ``kid``.

    Raises InvalidClaim if ``jwk_kid`` is not base64url of at least 8 bytes.
    """
    try:
        raw = base64url.decode(jwk_kid)
    except FormatError as exc:
        raise InvalidClaim("the signing key's kid is not base64url (RFC 7638)") from exc
    if len(raw) < KID_BYTES:
        raise InvalidClaim(f"the signing key's kid is shorter than {KID_BYTES} bytes")
    return raw[:KID_BYTES]


def kid_matches(cose_kid: bytes, jwk_kid: object) -> bool:
    """Whether a published JWK ``kid`` is the key an offline code's ``kid`` names."""
    if not isinstance(jwk_kid, str):
        return False
    try:
        return kid_prefix(jwk_kid) == cose_kid
    except InvalidClaim:
        return False


@dataclass(frozen=True)
class DecodedOffline:
    """A decoded offline code; nothing in it is trusted until ``verify`` succeeds."""

    kid: bytes
    alg: str
    protected: dict[Any, Any]
    claims: CwtClaims
    cose: bytes
    message: CoseSign1


def encode(
    claims: dict[Any, Any],
    *,
    private_key: Any,
    kid: str,
    alg: str,
    iss: str,
    iat: int,
    nbf: int | None,
    exp: int,
) -> str:
    """Sign the licence ``claims`` (a ``compact_licence`` map) into offline QR text.

    ``kid`` is the signing key's JWK ``kid`` (its RFC 7638 thumbprint); the message
    carries its first 8 bytes. ``iss`` is the department code.
    Raises InvalidClaim/MissingClaim, UnsupportedAlgorithm or KeyAlgorithmMismatch.
    """
    payload = cwt.encode(claims, iss=iss, iat=iat, nbf=nbf, exp=exp)
    message = cose.sign1(payload, private_key=private_key, alg=alg, kid=kid_prefix(kid))
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
    if not isinstance(message.kid, bytes) or len(message.kid) != KID_BYTES:
        raise InvalidCose(f"kid must be the first {KID_BYTES} bytes of the key's thumbprint")
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
