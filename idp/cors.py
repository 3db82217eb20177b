"""CORS for halls whose OpenID Connect client runs in the browser.

Discovery and JWKS are public documents: any origin. The token, userinfo,
revocation and introspection endpoints answer the origins of registered,
enabled clients' redirect URIs (Keycloak's "web origins: +"). No endpoint here
reads cookies, so credentials are never allowed cross-origin.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Flask, Response, request
from sqlalchemy import func, select

from edge.unit_of_work import UnitOfWork
from idp.client_cache import ClientCache
from idp.models.clients import OAuthClient
from idp.uris import redirect_uri_problem

PUBLIC_PATHS = ("/.well-known/openid-configuration", "/jwks")
CLIENT_PATHS = ("/oauth/token", "/oauth/userinfo", "/oauth/revoke", "/oauth/introspect")
CACHE_SECONDS = 30


def origin_of(uri: str) -> str | None:
    # A stored redirect URI that is not a valid one (RFC 6749 section 3.1.2: absolute,
    # no fragment; see idp.uris) lends its origin no CORS trust either.
    if redirect_uri_problem(uri) is not None:
        return None
    parts = urlsplit(uri)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


class CorsOrigins:
    """Origins of every enabled client's redirect URIs, cached for 30 s per process
    (the cache is this object's; one per app), and reloaded at once when ``changes``
    (the client cache, idp.client_cache) says a client changed -- in this process, or
    in another one that announced it."""

    def __init__(self, unit_of_work: UnitOfWork, changes: ClientCache | None = None) -> None:
        self.unit_of_work = unit_of_work
        self.changes = changes
        self._at = 0.0
        self._newest: object = -1
        self._generation = -1
        self._origins: frozenset[str] | None = None

    def _newest_client_id(self) -> object:
        # The latest change of any client (a registration included): an origin
        # edited in elsewhere is found on the first request that asks for it.
        return self.unit_of_work.session().execute(
            select(func.max(OAuthClient.id), func.max(OAuthClient.updated_at))).one()

    def _changed(self) -> bool:
        return self.changes is not None and self.changes.generation != self._generation

    def _load(self) -> None:
        generation = self.changes.generation if self.changes is not None else -1
        newest = self._newest_client_id()
        rows = self.unit_of_work.session().scalars(
            select(OAuthClient.redirect_uris).where(OAuthClient.disabled.is_(False))).all()
        found = {origin_of(uri) for uris in rows for uri in (uris or [])}
        self._at, self._newest, self._generation = time.monotonic(), newest, generation
        self._origins = frozenset(o for o in found if o)

    def registered(self, *, missing: str | None = None) -> frozenset[str]:
        """The registered origins; asked about a ``missing`` origin, one cheap query
        (the newest client's id and change time) tells whether a client was
        registered or edited since, so a hall works the moment it is registered; a
        disabled or edited client's origin goes at once where the change is
        announced, else within the 30 s. Reads in the current unit of work."""
        if self._origins is None or time.monotonic() - self._at > CACHE_SECONDS \
                or self._changed():
            self._load()
        elif missing is not None and missing not in self._origins \
                and self._newest_client_id() != self._newest:
            self._load()
        return self._origins or frozenset()


def _allowed(cors: CorsOrigins, origin: str) -> str | None:
    if request.path in PUBLIC_PATHS:
        return "*"
    if request.path in CLIENT_PATHS and origin.lower() in cors.registered(
            missing=origin.lower()):
        return origin
    return None


def init_app(app: Flask, cors: CorsOrigins) -> None:
    """Add CORS headers to the provider's public and client-facing endpoints."""

    @app.after_request
    def _cors(response: Response) -> Response:
        origin = request.headers.get("Origin")
        allowed = _allowed(cors, origin) if origin else None
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
