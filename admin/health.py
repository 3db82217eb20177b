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


def system_health(engine: Engine, redis, sessions) -> dict[str, str]:
    """The console dashboard's view: database (as /readyz sees it), Redis (``not
    configured`` without ONEGATE_REDIS_URL) and the back-channel logout queue (pending
    and failed deliveries)."""
    return {"database": _database_ready(engine), "redis": _redis_ready(redis),
            "backchannel": _backchannel_queue(sessions)}


def _redis_ready(redis) -> str:
    if redis is None:
        return "not configured"
    import redis as redis_lib

    try:
        redis.ping()
        return "ok"
    except redis_lib.RedisError as exc:
        log.warning("redis not ready: %s", type(exc).__name__)
        return "unreachable"


def _backchannel_queue(sessions) -> str:
    """``ok``, or how many logout tokens wait or failed for good."""
    from sqlalchemy import func, select

    from idp.models.tokens import BackchannelDelivery as Delivery

    # A short read of its own, outside the request's unit of work: a failing health
    # probe must not abort the transaction of the page that shows it.
    try:
        with sessions() as session:
            pending = session.scalar(select(func.count()).where(
                Delivery.delivered_at.is_(None), Delivery.failed_at.is_(None)))
            failed = session.scalar(select(func.count()).where(Delivery.failed_at.is_not(None)))
    except SQLAlchemyError as exc:
        log.warning("back-channel queue unreadable: %s", type(exc).__name__)
        return "unreachable"
    if not pending and not failed:
        return "ok"
    return f"{pending} pending, {failed} failed"
