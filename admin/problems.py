"""RFC 9457 problem details for JSON APIs; readable pages elsewhere. Never a trace."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger("onegate.errors")


def problem(status: int, title: str, detail: str | None = None, type_: str = "about:blank",
            **extra) -> Response:
    """A problem+json response."""
    body = {"type": type_, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _wants_json() -> bool:
    if request.path.startswith(("/api/", "/oauth/", "/.well-known/", "/jwks", "/readyz")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def init_app(app: Flask) -> None:
    """Register the catch-all handlers."""

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if _wants_json():
            return problem(exc.code or 500, exc.name, exc.description)
        return render_template("error.html", status=exc.code, title=exc.name,
                               detail=exc.description), exc.code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        if _wants_json():
            return problem(500, "Internal Server Error", "The error has been logged.")
        return render_template("error.html", status=500, title="Internal Server Error",
                               detail="The error has been logged."), 500
