"""Strict base64url without padding (RFC 7515 section 2, RFC 4648 section 5)."""

from __future__ import annotations

import base64
import binascii
import re

from credentials.formats.errors import InvalidBase64

_ALPHABET = re.compile(r"[A-Za-z0-9_-]*")


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
    if encode(data) != text:
        raise InvalidBase64("non-canonical base64url")
    return data
