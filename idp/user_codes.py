"""User codes and device codes of the device authorization grant (RFC 8628).

RFC 8628 section 6.1: the user code is short and easy to type, from a 20-letter
consonant alphabet (no vowels, so no words; no digits or letters that are easily
confused), shown as ``XXXX-XXXX``, compared case-insensitively with dashes and
spaces ignored. Eight characters give 20**8 (about 2**34.6) codes; with a ten-minute
lifetime and the guess budgets of ``idp.user_code_guard`` a guess is hopeless.

RFC 8628 section 5.2: "a very high entropy code SHOULD be used" for the device
code, which nobody types: 256 bits here. Both are stored only as HMAC-SHA256 under
a key derived from the key-encryption key (``idp.grants.families.token_hash``), like refresh tokens
and authorization codes: a database dump alone cannot test a guess.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

#: RFC 8628 section 6.1's example alphabet: base-20, no vowels, no digits.
ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
LENGTH = 8
#: Longest user code input we look at (a pasted code with stray spaces still fits).
MAX_INPUT = 32
#: Fresh codes drawn before giving up when each one is already live (20**8 codes: a
#: second draw is already a one-in-billions event).
TRIES = 5


def new_user_code() -> str:
    """A fresh user code in its canonical form (eight letters, no dash)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def unused_user_code(taken: Callable[[str], bool]) -> str:
    """A fresh user code that ``taken`` says no live request holds. Raises RuntimeError
    after ``TRIES`` draws that were all taken."""
    for _ in range(TRIES):
        code = new_user_code()
        if not taken(code):
            return code
    raise RuntimeError("no unused user code found")


def new_device_code() -> str:
    """A fresh device code: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


def shown(code: str) -> str:
    """``BCDFGHJK`` as people read it: ``BCDF-GHJK``."""
    return f"{code[:4]}-{code[4:]}"


def canonical(text: str | None) -> str | None:
    """What a person typed, as a canonical user code, or None when it cannot be one.

    RFC 8628 section 6.1 recommends comparing user codes case-insensitively and
    ignoring the punctuation added for readability: dashes and spaces are dropped
    and letters upper-cased. Never raises.
    """
    if not isinstance(text, str) or len(text) > MAX_INPUT:
        return None
    code = "".join(c for c in text if c not in "- \t").upper()
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code
