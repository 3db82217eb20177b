"""Published documents answered before Flask's dispatch.

JWKS, discovery, the trust list, status lists and issuer metadata are read far more
often than anything else and change rarely; each is an ``edge.published`` document
(precomputed bytes, strong ETag). ``PublishedEdge`` wraps the Flask WSGI app and
answers ``GET`` and ``HEAD`` for exactly the paths registered here from the current
snapshot, with the headers Flask's hooks would have added (the view's own headers,
admin.headers' security headers, idp.cors' answer to an ``Origin``, the request id),
a 304 for a matching ``If-None-Match``, and the request counted in /metrics and the
access log as Flask's hooks count it. It opens no unit of work: a document checks its
version stamp at most every ~2 s and opens its own short one to do so.

Everything else falls through to Flask unchanged: another method (405 problem with
``Allow``), a path or query string not registered, a family member not built yet (an
unknown status list: the view answers 404), and any error while building or checking
a document (the database down: Flask's view meets the same error and answers 503 with
``Retry-After`` as before). tests/admin/test_published_edge.py compares the headers
of both paths for every document.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from admin.headers import security_headers
from admin.observability import EdgeRecorder, Metrics, request_id
from edge.published import PublishedDocument, PublishedFamily, Snapshot

if TYPE_CHECKING:
    from verify.published import TrustListDocuments

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]

_STATUS = {200: "200 OK", 304: "304 Not Modified"}


@dataclass(frozen=True)
class Cors:
    """What CORS headers a document gets. ``any_origin``: the view itself sends
    ``Access-Control-Allow-Origin: *`` (credentials' public documents, discovery).
    ``public``: idp.cors' public paths, which answer a request carrying ``Origin`` with
    ``Access-Control-Allow-Origin: *`` and ``Vary: Origin``."""

    any_origin: bool = False
    public: bool = False


@dataclass(eq=False)
class _Route:
    endpoint: str
    cors: Cors
    document: PublishedDocument | None = None
    family: PublishedFamily | None = None
    # Header lists built for the last snapshot seen: (status, has Origin, https) -> list.
    _for: Snapshot | None = None
    _headers: dict[tuple[int, bool, bool], list[tuple[str, str]]] = field(default_factory=dict)

    def headers(self, snapshot: Snapshot, status: int, origin: bool,
                secure: bool) -> list[tuple[str, str]]:
        if snapshot is not self._for:
            self._headers, self._for = {}, snapshot
        key = (status, origin, secure)
        found = self._headers.get(key)
        if found is None:
            found = self._headers[key] = _headers(self.cors, snapshot, status, origin, secure)
        return found


def _headers(cors: Cors, snapshot: Snapshot, status: int, origin: bool,
             secure: bool) -> list[tuple[str, str]]:
    """In the order Flask sends them: the response's own (Content-Type and
    Content-Length first, then the view's), idp.cors', admin.headers'."""
    own = dict(snapshot.headers)
    result: list[tuple[str, str]] = []
    if status == 200:
        result += [("Content-Type", own["Content-Type"]),
                   ("Content-Length", str(len(snapshot.body)))]
    result.append(("Cache-Control", own["Cache-Control"]))
    if cors.any_origin or (cors.public and origin):
        result.append(("Access-Control-Allow-Origin", "*"))
    result.append(("ETag", own["ETag"]))
    if cors.public and origin:
        result.append(("Vary", "Origin"))
    result += security_headers(secure)
    return result


class PublishedEdge:
    """WSGI middleware serving registered published documents; see the module."""

    def __init__(self, app: WSGIApp, metrics: Metrics) -> None:
        self.app = app
        self._exact: dict[tuple[str, str], _Route] = {}
        self._families: list[tuple[str, re.Pattern[str], _Route]] = []
        self.recorder = EdgeRecorder(metrics)

    def document(self, path: str, document: PublishedDocument, *, endpoint: str,
                 query: str = "", cors: Cors = Cors()) -> None:
        """Serve ``document`` at exactly ``path`` (and query string ``query``);
        ``endpoint`` is the Flask endpoint that serves it otherwise (for /metrics)."""
        self._exact[(path, query)] = _Route(endpoint, cors, document=document)

    def family(self, prefix: str, pattern: str, family: PublishedFamily, *, endpoint: str,
               cors: Cors = Cors()) -> None:
        """Serve the members of ``family`` already built, at paths starting with
        ``prefix`` that fully match ``pattern``; its groups, joined by "/", name the
        member."""
        self._families.append((prefix, re.compile(pattern),
                               _Route(endpoint, cors, family=family)))

    def invalidate_all(self) -> None:
        """Rebuild every registered document at its next request."""
        for route in [*self._exact.values(), *(r for _, _, r in self._families)]:
            if route.document is not None:
                route.document.invalidate()
            if route.family is not None:
                route.family.invalidate_all()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        if method != "GET" and method != "HEAD":
            return self.app(environ, start_response)
        started = time.perf_counter()
        path = environ.get("PATH_INFO", "")
        route = self._exact.get((path, environ.get("QUERY_STRING", "")))
        if route is None:
            route, document = self._member(environ, path)
        else:
            document = route.document
        if route is None or document is None:
            return self.app(environ, start_response)
        try:
            snapshot = document.snapshot()
        except Exception:  # noqa: BLE001 - Flask's view meets it again and answers it
            return self.app(environ, start_response)
        status, body, _ = snapshot.answer(environ.get("HTTP_IF_NONE_MATCH"))
        headers = route.headers(snapshot, status, bool(environ.get("HTTP_ORIGIN")),
                                environ.get("wsgi.url_scheme") == "https")
        rid = request_id(environ.get("HTTP_X_REQUEST_ID", ""))
        start_response(_STATUS[status], [*headers, ("X-Request-Id", rid)])
        self.recorder.record(method, route.endpoint, status, started, path, rid)
        return [body] if method == "GET" else []

    def _member(self, environ: dict,
                path: str) -> tuple[_Route | None, PublishedDocument | None]:
        if environ.get("QUERY_STRING"):
            return None, None
        for prefix, pattern, route in self._families:
            if path.startswith(prefix):
                match = pattern.fullmatch(path)
                if match is not None and route.family is not None:
                    return route, route.family.peek("/".join(match.groups()))
        return None, None


def install(app: Any, metrics: Metrics) -> PublishedEdge:
    """Wrap ``app.wsgi_app`` in a PublishedEdge serving the packages' published
    documents (the same objects their views serve); returns it."""
    from credentials.published import CODE, LIST_ID

    edge = PublishedEdge(app.wsgi_app, metrics)
    # idp.cors answers an Origin on these two with "*" and Vary: Origin.
    edge.document("/jwks", app.idp_services.jwks_document, endpoint="idp_jwks.jwks",
                  cors=Cors(public=True))
    edge.document("/.well-known/openid-configuration",
                  app.idp_services.discovery_document,
                  endpoint="idp_oauth_api.openid_configuration",
                  cors=Cors(any_origin=True, public=True))
    issuers = app.credentials_services.published
    any_origin = Cors(any_origin=True)
    edge.family("/issuers/", rf"/issuers/({CODE})/status/({LIST_ID})", issuers.status_lists,
                endpoint="credentials_public.status_list_token", cors=any_origin)
    edge.family("/issuers/", rf"/issuers/({CODE})/jwks", issuers.jwks,
                endpoint="credentials_public.jwks", cors=any_origin)
    edge.family("/.well-known/jwt-vc-issuer/", rf"/\.well-known/jwt-vc-issuer/issuers/({CODE})",
                issuers.vc_issuer, endpoint="credentials_public.vc_issuer_metadata",
                cors=any_origin)
    serve_trust_list(edge, app.verify_services.published)
    app.wsgi_app = edge
    return edge


def serve_trust_list(edge: PublishedEdge, trust: TrustListDocuments) -> None:
    """Serve ``trust`` at /api/v1/trust-list (a test that replaces verify's trust source
    calls it again with documents over the new one)."""
    edge.document("/api/v1/trust-list", trust.token, endpoint="verify_api.get_trust_list")
    edge.document("/api/v1/trust-list", trust.claims, endpoint="verify_api.get_trust_list",
                  query="format=json")
