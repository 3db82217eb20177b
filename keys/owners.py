"""Who a key ring belongs to: the provider itself or one department issuer."""

from __future__ import annotations

import re

PROVIDER = "provider"
DEPARTMENT_PREFIX = "dept:"
# Department codes are short administrative codes; no spaces or separators that
# could be confused with the prefix.
_DEPARTMENT = re.compile(r"dept:[A-Za-z0-9][A-Za-z0-9_.-]{0,119}")


def department(code: str) -> str:
    """The owner name of a department; raises ValueError on a malformed code."""
    return check_owner(DEPARTMENT_PREFIX + code)


def check_owner(owner: str) -> str:
    """Return ``owner``; raises ValueError unless it is "provider" or "dept:<code>"."""
    if owner == PROVIDER or _DEPARTMENT.fullmatch(owner):
        return owner
    raise ValueError(f"owner must be {PROVIDER!r} or 'dept:<code>', not {owner!r}")
