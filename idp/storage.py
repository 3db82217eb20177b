"""Short transactions on the app's session factory, and the optional Redis."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from sqlalchemy.orm import Session


@contextmanager
def transaction() -> Iterator[Session]:
    """One session, committed on success, rolled back on any error."""
    with current_app.extensions["onegate.sessions"].begin() as session:
        yield session


def redis_client():
    """The shared Redis client, or None when ``ONEGATE_REDIS_URL`` is empty."""
    return current_app.extensions.get("onegate.redis")


def throttle_store():
    """The app's throttle store (``idp.throttle``), built once per app: Redis when
    ``ONEGATE_REDIS_URL`` is set (shared by workers), else the database (also shared)."""
    from idp.throttle_stores import RedisStore, SqlStore

    extensions = current_app.extensions
    if "onegate.throttle_store" not in extensions:
        redis = extensions.get("onegate.redis")
        extensions["onegate.throttle_store"] = (
            RedisStore(redis) if redis is not None else SqlStore(extensions["onegate.sessions"]))
    return extensions["onegate.throttle_store"]


def settings() -> dict:
    return current_app.config["ONEGATE"]


def issuer() -> str:
    return current_app.config["ONEGATE"]["ISSUER"]
