"""Citizen ID numbers (GB 11643-1999 公民身份号码).

Eighteen characters: a 6-digit area code, an 8-digit birth date ``YYYYMMDD``,
a 3-digit sequence code and a check character (``0``-``9`` or ``X``) computed
with ISO 7064 MOD 11-2. A lowercase ``x`` is accepted and normalised to ``X``.

Every failure raises :class:`identifiers.errors.InvalidIdentifier` with
``kind="citizen_id"``; non-string input raises :class:`TypeError`.
"""

from __future__ import annotations

import datetime as _dt

from identifiers.errors import (
    BAD_CHARACTER,
    BAD_CHECK_CHARACTER,
    BAD_DATE,
    BAD_LENGTH,
    CITIZEN_ID,
    InvalidIdentifier,
)

__all__ = ["check_character", "is_valid_citizen_id", "validate_citizen_id"]

LENGTH = 18
EARLIEST_BIRTH_DATE = _dt.date(1900, 1, 1)

_DIGITS = frozenset("0123456789")
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))  # 7, 9, 10, 5, 8, 4, 2, 1, 6, ...
_CHECK_CHARACTERS = "0123456789X"


def _fail(reason: str, message: str) -> InvalidIdentifier:
    return InvalidIdentifier(CITIZEN_ID, reason, message)


def check_character(first17: str) -> str:
    """Return the check character (``"0"``-``"9"`` or ``"X"``) for 17 digits.

    Raises:
        TypeError: ``first17`` is not a ``str``.
        InvalidIdentifier: ``reason="bad_length"`` unless exactly 17 characters,
            ``reason="bad_character"`` if any is not an ASCII digit.
    """
    if not isinstance(first17, str):
        raise TypeError(f"citizen ID must be a str, not {type(first17).__name__}")
    if len(first17) != LENGTH - 1:
        raise _fail(BAD_LENGTH, f"expected {LENGTH - 1} digits, got {len(first17)} characters")
    if not _DIGITS.issuperset(first17):
        raise _fail(BAD_CHARACTER, "the first 17 characters must be ASCII digits")
    total = sum(int(ch) * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARACTERS[(12 - total % 11) % 11]


def validate_citizen_id(value: str, *, today: _dt.date | None = None) -> str:
    """Validate a citizen ID number and return it normalised (``x`` -> ``X``).

    ``today`` (default: the local date) bounds the birth date from above.

    Raises:
        TypeError: ``value`` is not a ``str``.
        InvalidIdentifier: with ``kind="citizen_id"`` and ``reason``
            ``"bad_length"`` (not 18 characters), ``"bad_character"`` (a non-digit
            in the first 17, or a last character other than a digit or X),
            ``"bad_date"`` (birth date not a real date, before 1900 or in the
            future) or ``"bad_check_character"``.
    """
    if not isinstance(value, str):
        raise TypeError(f"citizen ID must be a str, not {type(value).__name__}")
    if len(value) != LENGTH:
        raise _fail(BAD_LENGTH, f"a citizen ID has {LENGTH} characters, got {len(value)}")
    normalised = value[:17] + ("X" if value[17] == "x" else value[17])
    body, given = normalised[:17], normalised[17]
    if not _DIGITS.issuperset(body):
        raise _fail(BAD_CHARACTER, "the first 17 characters must be ASCII digits")
    if given not in _CHECK_CHARACTERS:
        raise _fail(BAD_CHARACTER, "the check character must be a digit or X")
    _check_birth_date(body[6:14], today or _dt.date.today())
    expected = check_character(body)
    if given != expected:
        raise _fail(BAD_CHECK_CHARACTER, f"check character is {given!r}, expected {expected!r}")
    return normalised


def is_valid_citizen_id(value: object) -> bool:
    """Return whether ``value`` is a valid citizen ID number. Never raises."""
    if not isinstance(value, str):
        return False
    try:
        validate_citizen_id(value)
    except InvalidIdentifier:
        return False
    return True


def _check_birth_date(yyyymmdd: str, today: _dt.date) -> None:
    try:
        born = _dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        raise _fail(BAD_DATE, f"birth date {yyyymmdd} is not a real date") from None
    if born < EARLIEST_BIRTH_DATE:
        raise _fail(BAD_DATE, f"birth date {yyyymmdd} is before 1900")
    if born > today:
        raise _fail(BAD_DATE, f"birth date {yyyymmdd} is in the future")
