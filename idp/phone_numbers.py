"""Mainland China mobile numbers, stored and published in E.164 (``+86...``),
as OIDC Core 5.1 recommends for ``phone_number``."""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-()./]")
# ASCII digits only: ``\d`` would also take Arabic-Indic or Devanagari digits, which
# the accounts table never stores (full-width digits are folded by NFKC first).
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


def normalise_phone(text: str) -> str:
    """``+86`` and eleven digits; raises ValueError when it is no mainland mobile number.

    Accepts full-width digits and ``＋``, spaces, hyphens, dots, slashes and brackets,
    and the ``+86``, ``0086`` and ``86`` prefixes.
    """
    digits = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text or ""))
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix):]
            break
    if not _MOBILE.match(digits):
        raise ValueError("expected an 11-digit mainland mobile number such as 13800138000")
    return "+86" + digits


def looks_like_phone(text: str) -> bool:
    """True when ``text`` parses as a mobile number (used to route a login string)."""
    try:
        normalise_phone(text)
    except ValueError:
        return False
    return True
