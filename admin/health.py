"""/healthz (the process answers) and /readyz (database reachable, keys loaded)."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from admin import db
from admin.unavailable import RETRY_AFTER
from keys import KeyRing, KeysError

log = logging.getLogger("onegate.health")


def blueprint(engine: Engine, ring: KeyRing) -> Blueprint:
    """``health.healthz`` and ``health.readyz`` over the app's engine and key ring."""
    bp = Blueprint("health", __name__)

    @bp.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @bp.get("/readyz")
    def readyz():
        checks = {"database": _database_ready(engine), "keys": _keys_ready(ring)}
        if all(v == "ok" for v in checks.values()):
            return jsonify(status="ok", checks=checks)
        return jsonify(status="unavailable", checks=checks), 503, {
            "Retry-After": str(RETRY_AFTER), "Cache-Control": "no-store"}

    return bp


def _database_ready(engine: Engine) -> str:
    try:
        db.ping(engine)
        return "ok" if not db.pending_heads(engine) else "migrations pending"
    except SQLAlchemyError as exc:
        log.warning("database not ready: %s", type(exc).__name__)
        return "unreachable"


def _keys_ready(ring: KeyRing) -> str:
    try:
        ring.signer("provider", "RS256")
        return "ok"
    except (KeysError, SQLAlchemyError) as exc:
        return f"no provider signing key ({type(exc).__name__})"
