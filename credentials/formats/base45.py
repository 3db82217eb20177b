"""Base45 (RFC 9285), strict in both directions."""

from __future__ import annotations

import struct

from credentials.formats.errors import InvalidBase45

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUES = {char: index for index, char in enumerate(ALPHABET)}


#: The first two characters of every 16-bit value's triplet, by ``value % 2025``.
_PAIRS = [ALPHABET[i % 45] + ALPHABET[i // 45] for i in range(45 * 45)]


def encode(data: bytes) -> str:
    """Encode bytes: each 2 bytes become 3 characters, a final byte 2 (RFC 9285 section 4)."""
    even = len(data) - len(data) % 2
    values = struct.unpack(f">{even // 2}H", data[:even])
    out = "".join([_PAIRS[n % 2025] + ALPHABET[n // 2025] for n in values])
    if len(data) % 2:
        out += _PAIRS[data[-1]]
    return out


def decode(text: str) -> bytes:
    """Decode Base45 text.

    Raises InvalidBase45 for characters outside the alphabet (RFC 9285 section 6:
    implementations "MUST reject the encoded data if it contains characters outside
    the base alphabet"), a length of 3k+1, or chunk values above 65535 (triplets) or
    255 (final pair), which no encoder can produce (section 4.2).
    """
    if not isinstance(text, str) or len(text) % 3 == 1:
        raise InvalidBase45("Base45 length cannot be 3k+1")
    try:
        digits = [_VALUES[char] for char in text]
    except KeyError as exc:
        raise InvalidBase45("character outside the Base45 alphabet") from exc
    out = bytearray()
    for start in range(0, len(digits), 3):
        chunk = digits[start : start + 3]
        n = sum(d * 45**i for i, d in enumerate(chunk))
        if len(chunk) == 3:
            if n > 0xFFFF:
                raise InvalidBase45("triplet value above 65535")
            out += n.to_bytes(2, "big")
        else:
            if n > 0xFF:
                raise InvalidBase45("final pair value above 255")
            out.append(n)
    return bytes(out)
