"""The app-wide error handlers: RFC 9457 problems (``credentials.problems``, through
the app's one ``ProblemTypes`` registry) for JSON clients and API paths, readable
pages elsewhere. Never a trace, and the error's own
headers (``Allow`` on 405, ``Retry-After``) on both."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from admin import error_pages
from credentials.problems import ProblemTypes

log = logging.getLogger("onegate.errors")


def _wants_json() -> bool:
    if request.path.startswith(("/api/", "/oauth/", "/.well-known/", "/jwks", "/readyz",
                                "/audit/", "/issuers/", "/types/")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _answer(types: ProblemTypes, exc: HTTPException):
    if _wants_json():
        return types.from_http_exception(exc)
    headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
    title, detail = error_pages.texts(exc.code or 500)
    return render_template("error.html", status=exc.code, title=title,
                           detail=detail), exc.code, headers


def init_app(app: Flask, types: ProblemTypes) -> None:
    """Register the catch-all handlers, answering problems of ``types``."""

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        return _answer(types, exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        return _answer(types, InternalServerError("The error has been logged."))
