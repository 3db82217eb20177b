"""CORS for halls whose OpenID Connect client runs in the browser.

Discovery and JWKS are public documents: any origin. The token, userinfo,
revocation and introspection endpoints answer the origins of registered,
enabled clients' redirect URIs (Keycloak's "web origins: +"). No endpoint here
reads cookies, so credentials are never allowed cross-origin.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from sqlalchemy import select

from idp import storage
from idp.models.clients import OAuthClient

PUBLIC_PATHS = ("/.well-known/openid-configuration", "/jwks")
CLIENT_PATHS = ("/oauth/token", "/oauth/userinfo", "/oauth/revoke", "/oauth/introspect")
CACHE_SECONDS = 30


def origin_of(uri: str) -> str | None:
    parts = urlsplit(uri)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def registered_origins() -> frozenset[str]:
    """Origins of every enabled client's redirect URIs, cached briefly per process."""
    cache = current_app.extensions.setdefault("onegate.cors", {"at": 0.0, "origins": None})
    if cache["origins"] is None or time.monotonic() - cache["at"] > CACHE_SECONDS:
        with storage.transaction() as session:
            rows = session.scalars(select(OAuthClient.redirect_uris)
                                   .where(OAuthClient.disabled.is_(False))).all()
        found = {origin_of(uri) for uris in rows for uri in (uris or [])}
        cache.update(at=time.monotonic(), origins=frozenset(o for o in found if o))
    return cache["origins"]


def _allowed(origin: str) -> str | None:
    if request.path in PUBLIC_PATHS:
        return "*"
    if request.path in CLIENT_PATHS and origin.lower() in registered_origins():
        return origin
    return None


def init_app(app: Flask) -> None:
    """Add CORS headers to the provider's public and client-facing endpoints."""

    @app.after_request
    def _cors(response: Response) -> Response:
        origin = request.headers.get("Origin")
        allowed = _allowed(origin) if origin else None
        if not allowed:
            return response
        response.headers["Access-Control-Allow-Origin"] = allowed
        response.headers.add("Vary", "Origin")
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = (
                "Authorization, Content-Type, DPoP")
            response.headers["Access-Control-Max-Age"] = "600"
        return response
