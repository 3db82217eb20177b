"""JSON structured logs with a request id, and Prometheus metrics."""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import re
import secrets
import time
from collections.abc import Iterable
from typing import Any

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


class Metrics:
    """One app's Prometheus registry and the request metrics in it. Each app owns its
    own: two apps in one process never count into each other."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests_total = Counter("onegate_http_requests_total", "HTTP requests",
                                      ["method", "endpoint", "status"],
                                      registry=self.registry)
        self.latency = Histogram("onegate_http_request_seconds", "HTTP request latency",
                                 ["endpoint"], registry=self.registry)
        self.housekeeping_deleted = Counter(
            "onegate_housekeeping_deleted_rows_total",
            "Rows the housekeeping job deleted, by kind", ["kind"], registry=self.registry)
        self.housekeeping_runs = Counter(
            "onegate_housekeeping_runs_total", "Housekeeping runs, by outcome",
            ["outcome"], registry=self.registry)
        self.key_rotations = Counter(
            "onegate_scheduled_key_rotations_total",
            "Keys published by scheduled rotation", registry=self.registry)

    def observe(self, method: str, endpoint: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        self.requests_total.labels(method, endpoint, status).inc()
        self.latency.labels(endpoint).observe(seconds)

    def housekeeping(self, deleted: dict[str, int], rotations: int, outcome: str) -> None:
        """Count one housekeeping run (``outcome``: ok, failed or skipped)."""
        for kind, count in deleted.items():
            self.housekeeping_deleted.labels(kind).inc(count)
        self.key_rotations.inc(rotations)
        self.housekeeping_runs.labels(outcome).inc()

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format."""
        return generate_latest(self.registry)


class EdgeRecorder:
    """Counts a request answered before Flask's dispatch (admin.published,
    admin.token_edge) as the hooks in ``init_app`` count one Flask answered: in
    ``metrics`` under the view's endpoint, and one access-log line."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._log = logging.getLogger("onegate.access")  # init_app's

    def record(self, method: str, endpoint: str, status: int, started: float, path: str,
               rid: str) -> None:
        """One answered request, begun at ``started`` (``time.perf_counter``)."""
        elapsed = time.perf_counter() - started
        key = (method, endpoint, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                self._metrics.requests_total.labels(method, endpoint, status),
                self._metrics.latency.labels(endpoint))
        children[0].inc()
        children[1].observe(elapsed)
        log = self._log
        if log.isEnabledFor(logging.INFO):
            log.info("request", extra={"request_id": rid, "method": method, "path": path,
                                       "status": status,
                                       "duration_ms": round(elapsed * 1000, 1)})


class MetricsAccess:
    """Who may read ``/metrics``: an address in ``allow`` (CIDRs; empty: any) and, when
    ``token`` is set, ``Authorization: Bearer <token>`` (compared in constant time).
    The address is the one Flask sees, after ONEGATE_TRUSTED_PROXIES' ProxyFix."""

    def __init__(self, allow: Iterable[str] = (), token: str | None = None) -> None:
        self.networks = tuple(ipaddress.ip_network(n, strict=False) for n in allow)
        self.token = token or None

    def refusal(self, remote_addr: str | None, authorization: str) -> Response | None:
        """None when allowed; else the 403 (address) or 401 (token) to answer."""
        if self.networks and not self._allowed_address(remote_addr):
            return Response("forbidden\n", 403, {"Content-Type": "text/plain"})
        if self.token and not self._token_matches(authorization):
            return Response("unauthorized\n", 401, {"Content-Type": "text/plain",
                                                    "WWW-Authenticate": 'Bearer realm="metrics"'})
        return None

    def _allowed_address(self, remote_addr: str | None) -> bool:
        try:
            address = ipaddress.ip_address((remote_addr or "").split("%")[0])
        except ValueError:
            return False
        if getattr(address, "ipv4_mapped", None):
            address = address.ipv4_mapped
        return any(address in network for network in self.networks)

    def _token_matches(self, authorization: str) -> bool:
        scheme, _, given = (authorization or "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), self.token.encode())


def init_app(app: Flask, metrics: Metrics, access: MetricsAccess | None = None) -> None:
    """Request ids, access log lines and the /metrics endpoint over ``metrics``,
    readable as ``access`` allows (default: by anyone)."""
    access = access or MetricsAccess()
    log = logging.getLogger("onegate.access")

    @app.before_request
    def _start() -> None:
        # From the environ: the same value as request.headers' (WSGI's HTTP_ key), without
        # building the headers view on requests that read no other header.
        g.request_id = request_id(request.environ.get("HTTP_X_REQUEST_ID", ""))
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        metrics.observe(request.method, request.endpoint or "unmatched",
                        response.status_code, elapsed)
        response.headers["X-Request-Id"] = g.get("request_id", "")
        log.info("request", extra={"method": request.method, "path": request.path,
                                   "status": response.status_code,
                                   "duration_ms": round(elapsed * 1000, 1)})
        return response

    @app.get("/metrics", endpoint="metrics")  # the endpoint name metrics are labelled with
    def metrics_endpoint() -> Response:
        refused = access.refusal(request.remote_addr, request.headers.get("Authorization", ""))
        if refused is not None:
            return refused
        return Response(metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST,
                                                       "Cache-Control": "no-store"})
