"""The app's verifier and its collaborators, built lazily on first use (not in
init_app: no work before the first request), one set per app."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError

from verify.online import CatalogueTrustSource, LicenceReferences, LocalStatusSource
from verify.pipeline import DEFAULT_ALGORITHMS, DEFAULT_LEEWAY, Verifier
from verify.rate_counters import SqlCounter
from verify.ratelimit import FixedWindow, RedisCounter

#: Settings this package reads (``ONEGATE_*``), with their defaults.
DEFAULTS = {
    "VERIFY_LEEWAY": DEFAULT_LEEWAY,          # seconds of clock skew allowed on iat/nbf/exp
    "VERIFY_TRUST_TTL": 10,                   # seconds a trust snapshot is reused
    "VERIFY_ALLOW_RS256": False,
    "VERIFY_RATE_LIMIT": 120,                 # per client+IP (API) or IP (pages) per window
    "VERIFY_RATE_WINDOW": 60,
    "VERIFY_BUNDLE_MAX_AGE": 86400,           # seconds an offline bundle stays usable
}
_lock = threading.Lock()


def setting(name: str, app: Flask | None = None) -> Any:
    app = app or current_app
    return app.config["ONEGATE"].get(name, DEFAULTS[name])


def base_url(app: Flask | None = None) -> str:
    return (app or current_app).config["ONEGATE"]["ISSUER"].rstrip("/")


def _parts(app: Flask) -> dict[str, Any]:
    parts = app.extensions.get("onegate.verify")
    if parts is None:
        with _lock:
            parts = app.extensions.get("onegate.verify")
            if parts is None:
                parts = app.extensions["onegate.verify"] = _build(app)
    return parts


def _build(app: Flask) -> dict[str, Any]:
    sessions, keyring = app.extensions["onegate.sessions"], app.extensions["onegate.keyring"]
    base = base_url(app)
    trust = CatalogueTrustSource(sessions, keyring, base, ttl=setting("VERIFY_TRUST_TTL", app))
    status = LocalStatusSource(sessions, keyring, base, key_ttl=setting("VERIFY_TRUST_TTL", app))
    algorithms = DEFAULT_ALGORITHMS + (("RS256",) if setting("VERIFY_ALLOW_RS256", app) else ())
    verifier = Verifier(trust=trust, status=status, references=LicenceReferences(sessions, base),
                        leeway=setting("VERIFY_LEEWAY", app), algorithms=algorithms,
                        unavailable=(SQLAlchemyError,))
    limiter = FixedWindow(setting("VERIFY_RATE_LIMIT", app), setting("VERIFY_RATE_WINDOW", app),
                          _counter(app))
    return {"trust": trust, "status": status, "verifier": verifier, "limiter": limiter}


def _counter(app: Flask) -> RedisCounter | SqlCounter:
    """Shared by every worker: Redis when configured, else the database."""
    redis = app.extensions.get("onegate.redis")
    if redis is not None:
        return RedisCounter(redis)
    return SqlCounter(app.extensions["onegate.sessions"])


def verifier(app: Flask | None = None) -> Verifier:
    return _parts(app or current_app)["verifier"]


def trust(app: Flask | None = None) -> CatalogueTrustSource:
    return _parts(app or current_app)["trust"]


def status_source(app: Flask | None = None) -> LocalStatusSource:
    return _parts(app or current_app)["status"]


def limiter(app: Flask | None = None) -> FixedWindow:
    return _parts(app or current_app)["limiter"]
