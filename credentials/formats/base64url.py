"""Strict base64url without padding (RFC 7515 section 2, RFC 4648 section 5)."""

from __future__ import annotations

import binascii

from credentials.formats.errors import InvalidBase64

_VALUES = {c: i for i, c in enumerate(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")}
_SPARE_BITS = {0: 0, 2: 0b1111, 3: 0b11}
#: Standard base64 to base64url and back, applied to the ASCII bytes (one C pass each
#: instead of the ``base64`` module's wrappers: decoding sits on the verifier's hot path;
#: tests/credentials/formats/test_base64url.py holds it to the stdlib's definition).
_TO_URL = bytes.maketrans(b"+/", b"-_")
_FROM_URL = bytes.maketrans(b"-_", b"+/")
_PADDING = ("", None, "==", "=")


def encode(data: bytes) -> str:
    """Encode bytes as unpadded base64url text."""
    return binascii.b2a_base64(data, newline=False).translate(_TO_URL).rstrip(b"=").decode(
        "ascii")


def decode(text: str) -> bytes:
    """Decode unpadded base64url text.

    Raises InvalidBase64 for characters outside the URL-safe alphabet, padding, an
    impossible length, or non-canonical trailing bits (so that one value has one text).
    """
    # The standard alphabet's own "+", "/" and "=" are refused here; after "-_" become
    # "+/", binascii's strict mode refuses every other character outside the alphabet
    # (whitespace, non-ASCII, anything else) in one C pass.
    if (not isinstance(text, str) or len(text) % 4 == 1 or not text.isascii()
            or "+" in text or "/" in text or "=" in text):
        raise InvalidBase64("not unpadded base64url")
    try:
        data = binascii.a2b_base64((text + _PADDING[len(text) % 4]).encode("ascii")
                                   .translate(_FROM_URL), strict_mode=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidBase64("not unpadded base64url") from exc
    # Canonical: the unused low bits of the last character are zero (RFC 4648 section
    # 3.5), so that one value has one text.
    spare = _SPARE_BITS[len(text) % 4]
    if spare and _VALUES[text[-1]] & spare:
        raise InvalidBase64("non-canonical base64url")
    return data
