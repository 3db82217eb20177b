"""JSON structured logs with a request id, and Prometheus metrics."""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from dataclasses import dataclass

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class JsonFormatter(logging.Formatter):
    """One JSON object per line; adds the request id when inside a request."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or _current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for key in ("method", "path", "status", "duration_ms", "event"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _current_request_id() -> str | None:
    try:
        return g.get("request_id")
    except RuntimeError:  # outside an application context
        return None


def configure_logging(level: str) -> None:
    """Route every logger to one JSON handler on stderr."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("werkzeug").setLevel("WARNING")
    logging.getLogger("alembic").setLevel("WARNING")


def request_id(incoming: str) -> str:
    """The client's ``X-Request-Id`` when it is a sane one, else a fresh random id."""
    return incoming if _REQUEST_ID.match(incoming) else secrets.token_hex(8)


@dataclass(frozen=True, eq=False)
class RequestMetrics:
    """The request counter and latency histogram /metrics exposes, and the access log:
    what Flask's hooks below record, also recorded by admin.published's fast path."""

    requests_total: Counter
    latency: Histogram
    log: logging.Logger


def init_app(app: Flask) -> RequestMetrics:
    """Request ids, access log lines and the /metrics endpoint; returns the metrics."""
    registry = CollectorRegistry()
    requests_total = Counter("onegate_http_requests_total", "HTTP requests",
                             ["method", "endpoint", "status"], registry=registry)
    latency = Histogram("onegate_http_request_seconds", "HTTP request latency",
                        ["endpoint"], registry=registry)
    app.extensions["onegate.metrics"] = registry
    log = logging.getLogger("onegate.access")

    @app.before_request
    def _start() -> None:
        g.request_id = request_id(request.headers.get("X-Request-Id", ""))
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        endpoint = request.endpoint or "unmatched"
        requests_total.labels(request.method, endpoint, response.status_code).inc()
        latency.labels(endpoint).observe(elapsed)
        response.headers["X-Request-Id"] = g.get("request_id", "")
        log.info("request", extra={"method": request.method, "path": request.path,
                                   "status": response.status_code,
                                   "duration_ms": round(elapsed * 1000, 1)})
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

    return RequestMetrics(requests_total, latency, log)
