"""Unified social credit codes (GB 32100-2015 统一社会信用代码).

Eighteen characters over the 31-character alphabet
``0123456789ABCDEFGHJKLMNPQRTUWXY`` (no I, O, Z, S, V): the registration
authority code (position 1), the organisation type (position 2), a 6-digit
administrative area code (positions 3-8), the organisation code (positions 9-17)
and a MOD 31 check character (position 18). Lowercase input is accepted and
normalised to uppercase.

Every failure raises :class:`identifiers.errors.InvalidIdentifier` with
``kind="uscc"``; non-string input raises :class:`TypeError`.
"""

from __future__ import annotations

from identifiers.errors import (
    BAD_CHARACTER,
    BAD_CHECK_CHARACTER,
    BAD_FORMAT,
    BAD_LENGTH,
    USCC,
    InvalidIdentifier,
)

__all__ = ["ALPHABET", "check_character", "is_valid_uscc", "validate_uscc"]

LENGTH = 18
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_DIGITS = frozenset("0123456789")


def _fail(reason: str, message: str) -> InvalidIdentifier:
    return InvalidIdentifier(USCC, reason, message)


def _require_alphabet(text: str) -> None:
    for position, ch in enumerate(text, start=1):
        if ch not in _VALUES:
            raise _fail(BAD_CHARACTER, f"character {ch!r} at position {position} is not in "
                                       "the GB 32100 alphabet")


def check_character(first17: str) -> str:
    """Return the check character for the first 17 characters of a code.

    Lowercase letters are treated as uppercase.

    Raises:
        TypeError: ``first17`` is not a ``str``.
        InvalidIdentifier: ``reason="bad_length"`` unless exactly 17 characters,
            ``reason="bad_character"`` for a character outside the alphabet.
    """
    if not isinstance(first17, str):
        raise TypeError(f"credit code must be a str, not {type(first17).__name__}")
    if len(first17) != LENGTH - 1:
        raise _fail(BAD_LENGTH, f"expected {LENGTH - 1} characters, got {len(first17)}")
    if not first17.isascii():
        raise _fail(BAD_CHARACTER, "a credit code is ASCII only")
    first17 = first17.upper()
    _require_alphabet(first17)
    total = sum(_VALUES[ch] * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> str:
    """Validate a unified social credit code and return it in uppercase.

    Raises:
        TypeError: ``value`` is not a ``str``.
        InvalidIdentifier: with ``kind="uscc"`` and ``reason`` ``"bad_length"``
            (not 18 characters), ``"bad_character"`` (outside the alphabet),
            ``"bad_format"`` (positions 3-8 not a 6-digit area code) or
            ``"bad_check_character"``.
    """
    if not isinstance(value, str):
        raise TypeError(f"credit code must be a str, not {type(value).__name__}")
    if len(value) != LENGTH:
        raise _fail(BAD_LENGTH, f"a credit code has {LENGTH} characters, got {len(value)}")
    if not value.isascii():
        raise _fail(BAD_CHARACTER, "a credit code is ASCII only")
    normalised = value.upper()
    _require_alphabet(normalised)
    if not _DIGITS.issuperset(normalised[2:8]):
        raise _fail(BAD_FORMAT, "positions 3-8 must be a 6-digit administrative area code")
    expected = check_character(normalised[:17])
    if normalised[17] != expected:
        raise _fail(BAD_CHECK_CHARACTER,
                    f"check character is {normalised[17]!r}, expected {expected!r}")
    return normalised


def is_valid_uscc(value: object) -> bool:
    """Return whether ``value`` is a valid unified social credit code. Never raises."""
    if not isinstance(value, str):
        return False
    try:
        validate_uscc(value)
    except InvalidIdentifier:
        return False
    return True
