"""Bearer access tokens on verify's endpoints, validated as any resource server would
(edge.access_tokens), and who the holder is (from the ``identity`` claims)."""

from __future__ import annotations

import re
from urllib.parse import unquote

from flask import request

from edge.access_tokens import AccessToken, AccessTokenError, AccessTokenValidator
from edge.bearer import MalformedBearer, NoBearerToken, bearer_token
from verify.problems import Problem

HOLDER_CLAIMS = (("cn_id_number", "111"), ("cn_uscc", "001"))


def bearer(validator: AccessTokenValidator, required: bool) -> AccessToken | None:
    """The validated token, None when absent and not required; raises Problem (401,
    or 400 for an Authorization header that is not the Bearer scheme)."""
    try:
        token = bearer_token(request.headers)
    except NoBearerToken:
        if required:
            raise _challenge("a Bearer access token is required", None) from None
        return None
    except MalformedBearer as exc:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise _challenge("use the Bearer scheme (RFC 6750)", "invalid_request", 400) from exc
        raise _challenge(str(exc), "invalid_token") from exc
    try:
        return validator.validate(token)
    except AccessTokenError as exc:
        raise _challenge(str(exc), exc.error, exc.status) from exc


def require_scope(token: AccessToken, scope: str) -> None:
    if not token.has_scope(scope):
        raise _challenge(f"the token lacks scope {scope}", "insufficient_scope", 403,
                         scope=scope)


def holder_code(token: AccessToken) -> tuple[str, str]:
    """(code type, number) of the holder; raises Problem 403 without the identity claims."""
    for claim, code_type in HOLDER_CLAIMS:
        value = token.claims.get(claim)
        if isinstance(value, str) and value:
            return code_type, value
    raise Problem(403, "Holder not identified",
                  "the token carries neither cn_id_number nor cn_uscc: ask for scope identity",
                  slug="holder-not-identified")


def _challenge(detail: str, error: str | None, status: int = 401,
               scope: str | None = None) -> Problem:
    # RFC 6750 section 3: the scheme, a realm, then error, description and scope.
    value = 'Bearer realm="onegate"'
    if error:
        value += f', error="{error}", error_description="{_quoted(detail)}"'
    if scope:
        value += f', scope="{scope}"'
    title = {401: "Unauthorized", 403: "Forbidden", 400: "Bad Request"}[status]
    return Problem(status, title, detail, slug=error or "unauthorized",
                   headers={"WWW-Authenticate": value})


def _quoted(text: str) -> str:
    return "".join(ch for ch in text if ch.isprintable() and ch not in '"\\')


class BadHeader(ValueError):
    """A header value that cannot be read as text; ``reason`` is the machine reason."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


#: Longest raw value read: 100 characters of 4-byte UTF-8, each byte as ``%XX``.
MAX_RAW_HEADER = 1200
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def header_text(name: str) -> str | None:
    """A header carrying a person's name or number, as text; None when absent or empty.

    HTTP header values are bytes that servers read as ISO-8859-1, so Chinese text
    must travel percent-encoded UTF-8 (``%E7%AA%97...``, as RFC 8187 values do);
    raw UTF-8 bytes are accepted too. Raises BadHeader for what cannot be decoded -
    a ``%`` not followed by two hex digits, percent-encoded bytes that are not UTF-8,
    control characters (raw or encoded) or an absurdly long value - so nothing is
    stored as it came.
    """
    value = request.headers.get(name)
    if not value:
        return None
    if len(value) > MAX_RAW_HEADER:
        raise BadHeader(f"{name} is too long", "too_long")
    try:
        value = value.encode("latin-1").decode("utf-8")
    except UnicodeEncodeError:
        pass  # already text (not from a socket)
    except UnicodeDecodeError as exc:
        raise BadHeader(f"{name} is neither ASCII, percent-encoded UTF-8 nor UTF-8",
                        "bad_encoding") from exc
    if "%" in value:
        if _BAD_PERCENT.search(value):
            raise BadHeader(f"{name} has a '%' not followed by two hex digits "
                            "(send percent-encoded UTF-8)", "bad_percent_encoding")
        try:
            value = unquote(value, errors="strict")
        except UnicodeDecodeError as exc:
            raise BadHeader(f"{name} is percent-encoded but not UTF-8",
                            "bad_percent_encoding") from exc
    if not value.isprintable():
        raise BadHeader(f"{name} contains control characters", "control_characters")
    return value
