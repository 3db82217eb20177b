"""RFC 9457 problem details for the credentials blueprints (admin's helper is off limits:
credentials may not import admin)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify
from werkzeug.exceptions import HTTPException

from credentials.errors import CredentialsError, FieldError

MEDIA_TYPE = "application/problem+json"


def type_uri(slug: str) -> str:
    """Problem type URIs are ours and dereferenceable: /api/v1/problems/<slug>."""
    return f"{current_app.config['ONEGATE']['ISSUER']}/api/v1/problems/{slug}"


def problem(status: int, title: str, *, slug: str | None = None, detail: str | None = None,
            errors: list[FieldError] | None = None, **extra: Any) -> Response:
    """A problem+json response."""
    body: dict[str, Any] = {"type": type_uri(slug) if slug else "about:blank",
                            "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = [e.to_json() for e in errors]
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = MEDIA_TYPE
    return response


def from_error(exc: CredentialsError) -> Response:
    response = problem(exc.status, exc.title, slug=exc.slug, detail=exc.detail,
                       errors=exc.errors)
    response.headers.update(exc.headers)
    oauth_error = getattr(exc, "oauth_error", "")
    if exc.status in (401, 403) and oauth_error is not False and hasattr(exc, "oauth_error"):
        response.headers["WWW-Authenticate"] = _challenge(oauth_error, exc.detail)
    return response


def _challenge(error: str | None, detail: str | None) -> str:
    # RFC 6750 section 3: the scheme, a realm, then error and error_description.
    parts = ['Bearer realm="onegate"']
    if error:
        parts.append(f'error="{error}"')
        if detail:
            safe = "".join(c for c in detail if c.isascii() and c.isprintable() and c not in '"\\')
            parts.append(f'error_description="{safe[:200]}"')
    return ", ".join(parts)


def register(bp: Blueprint) -> None:
    """One handler for our typed errors, one for HTTP errors raised inside our views."""
    bp.register_error_handler(CredentialsError, from_error)

    def _http(exc: HTTPException) -> Response:
        return problem(exc.code or 500, exc.name, detail=exc.description)

    bp.register_error_handler(HTTPException, _http)


#: app.extensions key: problem types other packages answer with, by slug.
EXTRA_TYPES = "onegate.problem_types"


def register_types(app, types: dict[str, tuple[int, str, str]]) -> None:
    """Let /api/v1/problems/<slug> describe another package's problem types
    (slug -> (status, title, description)). Raises ValueError on a clash."""
    known = app.extensions.setdefault(EXTRA_TYPES, {})
    for slug, entry in types.items():
        if known.get(slug, entry) != entry:
            raise ValueError(f"problem type {slug} registered twice, differently")
        known[slug] = entry
