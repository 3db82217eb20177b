"""A database or Redis that cannot be reached answers 503 with ``Retry-After``, never a
500 with a trace: in each endpoint's own error language (RFC 6749
``temporarily_unavailable`` on OAuth endpoints, RFC 9457 problem details on JSON APIs,
a readable page elsewhere). The engine's pre-ping and SQLAlchemy's pool invalidation
on disconnect make the server recover by itself once the dependency is back."""

from __future__ import annotations

import functools
import logging

import redis.exceptions
from flask import Flask, Response, jsonify, render_template, request
from sqlalchemy import exc as sa_exc

from admin import error_pages
from credentials.problems import ProblemTypes

log = logging.getLogger("onegate.unavailable")

#: Seconds a client is asked to wait (RFC 9110 section 10.2.3) before it retries.
RETRY_AFTER = 5
SLUG = "service-unavailable"
TITLE = "Service Unavailable"
DETAIL = "A service this request needs is temporarily unreachable; retry later."

#: Errors that say a dependency is down or overloaded, not that the request is bad:
#: a refused or dropped database connection, an exhausted pool, a lock wait that ran
#: out (SQLite "database is locked"), Redis refusing or timing out.
UNAVAILABLE: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)

#: Pages under /oauth/ (the rest of /oauth/ answers OAuth JSON errors).
_OAUTH_PAGES = ("/oauth/authorize", "/oauth/logout")
_JSON_PREFIXES = ("/api/", "/.well-known/", "/jwks", "/readyz", "/issuers/", "/metrics")


def init_app(app: Flask, types: ProblemTypes) -> None:
    """Register the handler and the problem type it answers with (on ``types``)."""
    types.register({SLUG: (503, TITLE, DETAIL)})
    for error in UNAVAILABLE:
        app.register_error_handler(error, functools.partial(unavailable, types))


def unavailable(types: ProblemTypes, exc: BaseException) -> Response:
    """The 503 for ``exc`` in the form the requested endpoint speaks."""
    # One line, no trace: an outage would otherwise flood the log with identical traces.
    log.warning("dependency unavailable: %s", type(exc).__name__,
                extra={"path": request.path, "error": type(exc).__name__})
    response = _body(types)
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER)
    response.headers["Cache-Control"] = "no-store"
    return response


def _body(types: ProblemTypes) -> Response:
    path = request.path
    if path.startswith("/oauth/") and not path.startswith(_OAUTH_PAGES):
        # RFC 6749 section 4.1.2.1 names temporarily_unavailable for this situation.
        return jsonify(error="temporarily_unavailable", error_description=DETAIL)
    if path.startswith(_JSON_PREFIXES) or _prefers_json():
        response = jsonify(type=types.type_uri(SLUG), title=TITLE, status=503, detail=DETAIL)
        response.mimetype = "application/problem+json"
        return response
    title, detail = error_pages.texts(503)
    return Response(render_template("error.html", status=503, title=title, detail=detail),
                    mimetype="text/html")


def _prefers_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"
