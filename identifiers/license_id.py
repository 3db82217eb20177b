"""Electronic licence identifiers (GB/T 36904 电子证照标识).

Text form::

    1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check>

* type code: 21 characters, the 18-character unified social credit code of the
  body that defines the licence type followed by 3 digits;
* issuer code: in strict mode an 18-character unified social credit code with a
  correct check character; in lenient mode any ``[0-9A-Z]+`` (some issuers use a
  6-digit area code);
* serial: 1 to 64 characters of ``[0-9A-Z]``;
* version: exactly 3 digits;
* check: one character of ``[0-9A-Z]``, the ISO/IEC 7064 MOD 37,36 hybrid check
  over type code, issuer code, serial and version concatenated without dots.

Every failure raises :class:`identifiers.errors.InvalidIdentifier` with
``kind="license_id"``; non-string text raises :class:`TypeError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from identifiers.errors import (
    BAD_CHARACTER,
    BAD_CHECK_CHARACTER,
    BAD_FORMAT,
    BAD_ISSUER_CODE,
    BAD_TYPE_CODE,
    BAD_VERSION,
    LICENSE_ID,
    InvalidIdentifier,
)
from identifiers.uscc import validate_uscc

__all__ = ["PREFIX", "LicenseId", "make_license_id", "mod37_36_check", "parse_license_id"]

PREFIX = "1.2.156.3005.2"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MAX_SERIAL_LENGTH = 64
MAX_VERSION = 999

_M = len(ALPHABET)  # 36
_VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
_CODE = re.compile(r"[0-9A-Z]+\Z")
_TYPE_CODE = re.compile(r"[0-9A-Z]{18}[0-9]{3}\Z")
_VERSION = re.compile(r"[0-9]{3}\Z")


def _fail(reason: str, message: str) -> InvalidIdentifier:
    return InvalidIdentifier(LICENSE_ID, reason, message)


def mod37_36_check(data: str) -> str:
    """Return the ISO/IEC 7064 MOD 37,36 hybrid check character of ``data``.

    ``data`` is a string over ``0-9A-Z``; the result is one character of it.
    MOD 37,36 detects every single-character substitution and every adjacent
    transposition.

    Raises:
        TypeError: ``data`` is not a ``str``.
        InvalidIdentifier: ``reason="bad_character"`` for a character outside
            ``0-9A-Z`` (lowercase included).
    """
    if not isinstance(data, str):
        raise TypeError(f"check data must be a str, not {type(data).__name__}")
    p = _M
    for ch in data:
        value = _VALUES.get(ch)
        if value is None:
            raise _fail(BAD_CHARACTER, f"character {ch!r} is not in 0-9A-Z")
        p = (p + value) % _M or _M
        p = (p * 2) % (_M + 1)
    return ALPHABET[(_M + 1 - p) % _M]


@dataclass(frozen=True, slots=True)
class LicenseId:
    """A parsed licence identifier; ``str()`` gives its text form.

    Construction checks the lenient shape of every part and that ``check``
    matches; strict issuer and type-code validation is done by
    :func:`parse_license_id` and :func:`make_license_id`.

    Raises:
        InvalidIdentifier: from the constructor, as :func:`parse_license_id`
            with ``strict=False``.
    """

    type_code: str
    issuer_code: str
    serial: str
    version: int
    check: str

    def __post_init__(self) -> None:
        _check_shape(self.type_code, self.issuer_code, self.serial, self.version)
        if not isinstance(self.check, str) or len(self.check) != 1 or self.check not in _VALUES:
            raise _fail(BAD_FORMAT, "the check character must be one character of 0-9A-Z")
        expected = mod37_36_check(self.body)
        if self.check != expected:
            raise _fail(BAD_CHECK_CHARACTER,
                        f"check character is {self.check!r}, expected {expected!r}")

    @property
    def body(self) -> str:
        """The checked data: type code, issuer code, serial and version, no dots."""
        return f"{self.type_code}{self.issuer_code}{self.serial}{self.version:03d}"

    def __str__(self) -> str:
        return (f"{PREFIX}.{self.type_code}.{self.issuer_code}.{self.serial}"
                f".{self.version:03d}.{self.check}")

    def next_version(self) -> LicenseId:
        """Return the same licence with the version incremented and the check recomputed.

        Raises:
            InvalidIdentifier: ``reason="bad_version"`` if the version is already 999.
        """
        if self.version >= MAX_VERSION:
            raise _fail(BAD_VERSION, f"version {self.version:03d} is the last possible")
        version = self.version + 1
        body = f"{self.type_code}{self.issuer_code}{self.serial}{version:03d}"
        return LicenseId(self.type_code, self.issuer_code, self.serial, version,
                         mod37_36_check(body))


def make_license_id(type_code: str, issuer_code: str, serial: str, version: int, *,
                    strict: bool = True) -> LicenseId:
    """Build a licence identifier from its parts, computing the check character.

    With ``strict`` (the default) the type code must start with a valid credit
    code and the issuer code must be one.

    Raises:
        InvalidIdentifier: ``reason`` ``"bad_type_code"``, ``"bad_issuer_code"``,
            ``"bad_format"`` (serial not 1-64 characters of ``0-9A-Z``) or
            ``"bad_version"`` (not an int from 0 to 999).
    """
    _check_shape(type_code, issuer_code, serial, version)
    if strict:
        _check_strict(type_code, issuer_code)
    body = f"{type_code}{issuer_code}{serial}{version:03d}"
    return LicenseId(type_code, issuer_code, serial, version, mod37_36_check(body))


def parse_license_id(text: str, strict: bool = True) -> LicenseId:
    """Parse and validate the text form of a licence identifier.

    Lenient mode (``strict=False``) accepts any ``[0-9A-Z]+`` issuer code and
    does not verify the credit codes' own check characters; the licence check
    character is verified in both modes.

    Raises:
        TypeError: ``text`` is not a ``str``.
        InvalidIdentifier: with ``kind="license_id"`` and ``reason``
            ``"bad_format"`` (wrong prefix, number of parts, serial or check
            part), ``"bad_type_code"``, ``"bad_issuer_code"``, ``"bad_version"``
            (not exactly 3 digits) or ``"bad_check_character"``.
    """
    if not isinstance(text, str):
        raise TypeError(f"licence identifier must be a str, not {type(text).__name__}")
    if not text.startswith(PREFIX + "."):
        raise _fail(BAD_FORMAT, f"a licence identifier starts with {PREFIX}.")
    parts = text[len(PREFIX) + 1:].split(".")
    if len(parts) != 5:
        raise _fail(BAD_FORMAT, "expected type code, issuer code, serial, version and check "
                                f"after the prefix, got {len(parts)} parts")
    type_code, issuer_code, serial, version, check = parts
    if not _VERSION.match(version):
        raise _fail(BAD_VERSION, f"version {version!r} is not exactly 3 digits")
    licence = LicenseId(type_code, issuer_code, serial, int(version), check)
    if strict:
        _check_strict(type_code, issuer_code)
    return licence


def _check_shape(type_code: object, issuer_code: object, serial: object,
                 version: object) -> None:
    if not isinstance(type_code, str) or not _TYPE_CODE.match(type_code):
        raise _fail(BAD_TYPE_CODE, "the type code is 18 characters of 0-9A-Z then 3 digits")
    if not isinstance(issuer_code, str) or not _CODE.match(issuer_code):
        raise _fail(BAD_ISSUER_CODE, "the issuer code must be characters of 0-9A-Z")
    if (not isinstance(serial, str) or not _CODE.match(serial)
            or len(serial) > MAX_SERIAL_LENGTH):
        raise _fail(BAD_FORMAT,
                    f"the serial must be 1 to {MAX_SERIAL_LENGTH} characters of 0-9A-Z")
    if (isinstance(version, bool) or not isinstance(version, int)
            or not 0 <= version <= MAX_VERSION):
        raise _fail(BAD_VERSION, f"the version must be an int from 0 to {MAX_VERSION}")


def _check_strict(type_code: str, issuer_code: str) -> None:
    try:
        validate_uscc(type_code[:18])
    except InvalidIdentifier as exc:
        raise _fail(BAD_TYPE_CODE,
                    f"the type code does not start with a valid credit code: {exc}") from exc
    try:
        validate_uscc(issuer_code)
    except InvalidIdentifier as exc:
        raise _fail(BAD_ISSUER_CODE,
                    f"the issuer code is not a valid credit code: {exc}") from exc
