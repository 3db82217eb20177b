"""/healthz (the process answers) and /readyz (database reachable, keys loaded)."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify
from sqlalchemy.exc import SQLAlchemyError

from admin import db
from admin.unavailable import RETRY_AFTER
from keys import KeysError

bp = Blueprint("health", __name__)
log = logging.getLogger("onegate.health")


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    checks = {"database": _database_ready(), "keys": _keys_ready()}
    if all(v == "ok" for v in checks.values()):
        return jsonify(status="ok", checks=checks)
    return jsonify(status="unavailable", checks=checks), 503, {
        "Retry-After": str(RETRY_AFTER), "Cache-Control": "no-store"}


def _database_ready() -> str:
    engine = current_app.extensions["onegate.engine"]
    try:
        db.ping(engine)
        return "ok" if not db.pending_heads(engine) else "migrations pending"
    except SQLAlchemyError as exc:
        log.warning("database not ready: %s", type(exc).__name__)
        return "unreachable"


def _keys_ready() -> str:
    ring = current_app.extensions["onegate.keyring"]
    try:
        ring.signer("provider", "RS256")
        return "ok"
    except (KeysError, SQLAlchemyError) as exc:
        return f"no provider signing key ({type(exc).__name__})"
