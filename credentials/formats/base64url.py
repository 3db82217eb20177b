"""Strict base64url without padding (RFC 7515 section 2, RFC 4648 section 5)."""

from __future__ import annotations

import base64
import binascii
import re

from credentials.formats.errors import InvalidBase64

_ALPHABET = re.compile(r"[A-Za-z0-9_-]*")
_VALUES = {c: i for i, c in enumerate(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")}
_SPARE_BITS = {0: 0, 2: 0b1111, 3: 0b11}


def encode(data: bytes) -> str:
    """Encode bytes as unpadded base64url text."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode(text: str) -> bytes:
    """Decode unpadded base64url text.

    Raises InvalidBase64 for characters outside the URL-safe alphabet, padding, an
    impossible length, or non-canonical trailing bits (so that one value has one text).
    """
    if not isinstance(text, str) or not _ALPHABET.fullmatch(text) or len(text) % 4 == 1:
        raise InvalidBase64("not unpadded base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidBase64("not unpadded base64url") from exc
    # Canonical: the unused low bits of the last character are zero (RFC 4648 section
    # 3.5), so that one value has one text.
    spare = _SPARE_BITS[len(text) % 4]
    if spare and _VALUES[text[-1]] & spare:
        raise InvalidBase64("non-canonical base64url")
    return data
