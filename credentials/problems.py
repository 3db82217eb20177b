"""RFC 9457 problem details: the one module every JSON API answers errors through.

It lives in ``credentials``, the lowest package all its users may import (verify
imports credentials; admin composes everything; credentials may import neither).
Every problem's ``type`` is ``<issuer>/api/v1/problems/<slug>``, and every slug
resolves there (``ProblemTypes.describe``): credentials' typed errors, the types
other packages register (``ProblemTypes.register``), and one type per HTTP status
(``HTTP_TYPES``) for the errors Werkzeug raises (404, 405, 413, ...).

The registry (``ProblemTypes``, with the service URL the type URIs start with) is
built once by the composition root and handed to every user: the credentials and
verify blueprints, and admin's app-wide error handlers.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, jsonify
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from credentials.errors import PROBLEM_TYPES, CredentialsError, FieldError

MEDIA_TYPE = "application/problem+json"

#: Slugs for HTTP statuses whose problem type has a better name than the status phrase.
_HTTP_SLUGS = {401: "unauthorized", 413: "too-large", 429: "rate-limited",
               500: "internal-error"}
_HTTP_TEXT = {
    405: "The method is not allowed for this URL; the Allow header lists those that are.",
    413: "The request body is larger than the server accepts.",
    429: "Too many requests: wait for the number of seconds in Retry-After.",
    500: "An unexpected error; it has been logged. Retrying later may succeed.",
    503: "The service cannot answer now; retry after the seconds in Retry-After.",
}


def http_slug(status: int) -> str:
    """The problem type slug of a bare HTTP error status (``405`` -> ``method-not-allowed``)."""
    phrase = HTTP_STATUS_CODES.get(status, "error")
    return _HTTP_SLUGS.get(status) or re.sub(r"[^a-z0-9]+", "-", phrase.lower()).strip("-")


#: slug -> (status, title, description) for every 4xx and 5xx status Werkzeug knows.
HTTP_TYPES: dict[str, tuple[int, str, str]] = {
    http_slug(code): (code, phrase, _HTTP_TEXT.get(code, f"HTTP {code} {phrase}."))
    for code, phrase in HTTP_STATUS_CODES.items() if 400 <= code < 600}


class ProblemTypes:
    """The problem types the service answers with, and the responses that name them.

    ``base_url`` is the service URL (ISSUER); types are ``<base_url>/api/v1/problems/<slug>``.
    """

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._extra: dict[str, tuple[int, str, str]] = {}

    def register(self, types: dict[str, tuple[int, str, str]]) -> None:
        """Let /api/v1/problems/<slug> describe another package's problem types
        (slug -> (status, title, description)). Raises ValueError on a clash."""
        for slug, entry in types.items():
            if self._extra.get(slug, entry) != entry:
                raise ValueError(f"problem type {slug} registered twice, differently")
            self._extra[slug] = entry

    def type_uri(self, slug: str) -> str:
        """Problem type URIs are ours and dereferenceable: /api/v1/problems/<slug>."""
        return f"{self.base_url}/api/v1/problems/{slug}"

    def describe(self, slug: str) -> tuple[int, str, str] | None:
        """(status, title, description) of a problem type, or None when there is no such
        type. Our typed errors first, then the types other packages registered, then
        HTTP statuses."""
        cls = PROBLEM_TYPES.get(slug)
        if cls is not None:
            return cls.status, cls.title, " ".join((cls.__doc__ or cls.title).split())
        extra = self._extra.get(slug)
        return extra if extra is not None else HTTP_TYPES.get(slug)

    def all_slugs(self) -> list[str]:
        """Every slug ``describe`` knows, sorted (the OpenAPI enum of
        /api/v1/problems/{slug})."""
        return sorted({*PROBLEM_TYPES, *self._extra, *HTTP_TYPES})

    def problem(self, status: int, title: str, *, slug: str | None = None,
                detail: str | None = None,
                errors: list[FieldError] | list[dict[str, str]] | None = None,
                headers: dict[str, str] | None = None, **extra: Any) -> Response:
        """A problem+json response of type ``slug`` (an HTTP status type when omitted)."""
        body: dict[str, Any] = {"type": self.type_uri(slug or http_slug(status)),
                                "title": title, "status": status}
        if detail:
            body["detail"] = detail
        if errors:
            body["errors"] = [e.to_json() if isinstance(e, FieldError) else e for e in errors]
        body.update(extra)
        response = jsonify(body)
        response.status_code = status
        response.mimetype = MEDIA_TYPE
        response.headers.update(headers or {})
        return response

    def from_http_exception(self, exc: HTTPException) -> Response:
        """A Werkzeug error as a problem, keeping its headers (``Allow`` on 405,
        ``Retry-After`` on 429 and 503) but not its HTML content type."""
        status = exc.code or 500
        headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
        return self.problem(status, exc.name, detail=exc.description, headers=headers)

    def from_error(self, exc: CredentialsError) -> Response:
        """One of credentials' typed errors as a problem, with its bearer challenge."""
        response = self.problem(exc.status, exc.title, slug=exc.slug, detail=exc.detail,
                                errors=exc.errors)
        response.headers.update(exc.headers)
        oauth_error = getattr(exc, "oauth_error", "")
        if exc.status in (401, 403) and oauth_error is not False and hasattr(exc, "oauth_error"):
            response.headers["WWW-Authenticate"] = _challenge(oauth_error, exc.detail)
        return response

    def register_handlers(self, bp: Blueprint) -> None:
        """One handler for our typed errors, one for HTTP errors raised inside ``bp``."""
        bp.register_error_handler(CredentialsError, self.from_error)
        bp.register_error_handler(HTTPException, self.from_http_exception)


def _challenge(error: str | None, detail: str | None) -> str:
    # RFC 6750 section 3: the scheme, a realm, then error and error_description.
    parts = ['Bearer realm="onegate"']
    if error:
        parts.append(f'error="{error}"')
        if detail:
            safe = "".join(c for c in detail if c.isascii() and c.isprintable() and c not in '"\\')
            parts.append(f'error_description="{safe[:200]}"')
    return ", ".join(parts)
