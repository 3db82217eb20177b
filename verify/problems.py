"""RFC 9457 problem details for the verify blueprints (admin's helper is off limits)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify

MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    """Raised in a view, answered as problem+json by the blueprint's handler."""

    def __init__(self, status: int, title: str, detail: str | None = None, *,
                 slug: str | None = None, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.slug = status, title, detail, slug
        self.headers, self.extra = headers or {}, extra

    def response(self) -> Response:
        return problem(self.status, self.title, self.detail, slug=self.slug,
                       headers=self.headers, **self.extra)


def problem(status: int, title: str, detail: str | None = None, *, slug: str | None = None,
            headers: dict[str, str] | None = None, **extra: Any) -> Response:
    """A problem+json response; ``slug`` names a type under /api/v1/problems/."""
    issuer = current_app.config["ONEGATE"]["ISSUER"]
    body: dict[str, Any] = {"type": f"{issuer}/api/v1/problems/{slug}" if slug else "about:blank",
                            "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = MEDIA_TYPE
    response.headers.update(headers or {})
    return response
