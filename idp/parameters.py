"""Request-parameter checks shared by the authorization, token, introspection and
revocation endpoints (Flask's ``request.values``: query string and form body)."""

from __future__ import annotations

from idp.errors import InvalidRequestError


def repeated(values) -> str | None:
    """The first parameter name given more than once, or None.

    RFC 6749 section 3.1 (authorization endpoint) and section 3.2 (token endpoint):
    "Request and response parameters MUST NOT be included more than once."
    """
    for name, items in values.lists():
        if len(items) > 1:
            return name
    return None


def check_single(values) -> None:
    """Raise RFC 6749 section 5.2 invalid_request ("... repeats a parameter ...")."""
    name = repeated(values)
    if name is not None:
        raise InvalidRequestError(f"The {_printable(name)} parameter is repeated.")


def _printable(name: str) -> str:
    """A parameter name fit for error_description: RFC 6749 section 5.2 allows only
    %x20-21 / %x23-5B / %x5D-7E there, so anything else becomes '?'; kept short."""
    text = "".join(c if 0x20 <= ord(c) <= 0x7E and c not in '"\\' else "?" for c in name)
    return text[:40] or "?"
