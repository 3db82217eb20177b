"""What people type at login, reduced to one canonical form.

The account lookup (``accounts.find_by_login``) and the login throttle both use
``canonical_login``, so every spelling of one identifier -- ``13800138000``,
``+86 138-0013-8000``, ``008613800138000``, full-width ``１３８００１３８０００``,
``alice`` and ``ALICE``, an ID number ending in ``x`` or ``X`` -- finds the same
account and spends the same throttle budget. Text that is no identifier of any
account is reduced the same way, so the throttle treats it exactly like a real one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from idp.phone_numbers import looks_like_phone, normalise_phone

_CITIZEN_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff]")

KINDS = ("username", "id_number", "phone")


@dataclass(frozen=True, slots=True)
class LoginName:
    """``kind`` is the account column to search (username, id_number, phone)."""

    kind: str
    value: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


def canonical_login(text: str | None) -> LoginName | None:
    """The identifier ``text`` names, in the form the accounts table stores; None if empty.

    NFKC folds full-width digits, letters, ``＋`` and ``－`` and the ideographic space
    to ASCII, as a Chinese input method types them. Never raises.
    """
    folded = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text or "")).strip()
    if not folded:
        return None
    if _CITIZEN_ID_SHAPE.match(folded.upper()):
        return LoginName("id_number", folded.upper())
    if looks_like_phone(folded):
        return LoginName("phone", normalise_phone(folded))
    return LoginName("username", folded.lower())
