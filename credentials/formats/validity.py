"""Time-validity checks shared by JWT and CWT claims (RFC 7519 sections 4.1.4-4.1.6)."""

from __future__ import annotations

from typing import Any

from credentials.formats.errors import Expired, InvalidClaim, MissingClaim, NotYetValid


def numeric_date(value: Any, name: str, *, required: bool) -> int | None:
    """Return an integer NumericDate or None. Raises MissingClaim or InvalidClaim."""
    if value is None:
        if required:
            raise MissingClaim(f"{name} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidClaim(f"{name} must be an integer NumericDate")
    return value


def check_window(*, exp: Any, nbf: Any, now: int, leeway: int = 0) -> None:
    """Check ``nbf <= now < exp`` (with leeway); ``exp`` is required, ``nbf`` optional.

    Raises MissingClaim, InvalidClaim, Expired or NotYetValid.
    """
    expires = numeric_date(exp, "exp", required=True)
    not_before = numeric_date(nbf, "nbf", required=False)
    # RFC 7519 section 4.1.4: "the current date/time MUST be before the expiration
    # date/time listed in the 'exp' claim".
    if now >= expires + leeway:
        raise Expired("expired")
    # RFC 7519 section 4.1.5: the JWT "MUST NOT be accepted for processing" before nbf.
    if not_before is not None and now < not_before - leeway:
        raise NotYetValid("not yet valid")
