"""Who a key ring belongs to: the provider itself, one department issuer, or the audit
trail (its checkpoints are signed with a key of their own, never a token key)."""

from __future__ import annotations

import re

PROVIDER = "provider"
AUDIT = "audit"
DEPARTMENT_PREFIX = "dept:"
# Department codes are short administrative codes; no spaces or separators that
# could be confused with the prefix.
_DEPARTMENT = re.compile(r"dept:[A-Za-z0-9][A-Za-z0-9_.-]{0,119}")


def department(code: str) -> str:
    """The owner name of a department; raises ValueError on a malformed code."""
    return check_owner(DEPARTMENT_PREFIX + code)


def check_owner(owner: str) -> str:
    """Return ``owner``; raises ValueError unless it is "provider", "audit" or "dept:<code>"."""
    if owner in (PROVIDER, AUDIT) or _DEPARTMENT.fullmatch(owner):
        return owner
    raise ValueError(f"owner must be {PROVIDER!r}, {AUDIT!r} or 'dept:<code>', not {owner!r}")
