"""Reading a bearer token from a request (RFC 6750 section 2), without Flask.

Each resource endpoint answers the two faults in its own wire format (an OAuth
``WWW-Authenticate`` challenge, or a problem with one), so this module only tells
them apart:

- no credentials at all: NoBearerToken. RFC 6750 section 3.1: the challenge then
  SHOULD NOT carry an error code;
- an Authorization header that is not ``Bearer <token>``, or a token in two places:
  MalformedBearer (``invalid_request``, 400).
"""

from __future__ import annotations

from collections.abc import Mapping

#: RFC 6750 section 2.1's b64token characters; anything else is not a token.
_B64TOKEN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=")


class BearerError(Exception):
    """Base class; ``error`` is the RFC 6750 section 3.1 code (None: no code at all)."""

    error: str | None = None
    status = 401


class NoBearerToken(BearerError):
    """The request carries no access token."""


class MalformedBearer(BearerError):
    error = "invalid_request"
    status = 400


def bearer_token(headers: Mapping[str, str], form: Mapping[str, str] | None = None) -> str:
    """The access token of a request.

    ``form`` is the parsed ``application/x-www-form-urlencoded`` body of a POST, for
    the section 2.2 form parameter (only the endpoints that allow it pass it).
    Raises NoBearerToken or MalformedBearer.
    """
    header = headers.get("Authorization", "")
    in_form = (form or {}).get("access_token")
    if not header:
        if in_form:
            return _checked(in_form)
        raise NoBearerToken("send an access token: Authorization: Bearer <token>")
    if in_form:
        # Section 2: clients MUST NOT use more than one method in a request.
        raise MalformedBearer("send the access token once, in the Authorization header")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise MalformedBearer("use the Bearer scheme (RFC 6750)")
    return _checked(value.strip())


def _checked(token: str) -> str:
    if not set(token) <= _B64TOKEN:
        raise MalformedBearer("the access token has characters a token cannot have")
    return token
