"""Token grants and introspections answered before Flask's dispatch.

``POST /oauth/token`` with ``grant_type=client_credentials`` and ``POST
/oauth/introspect`` of the provider's own JWT access tokens are the machine-to-machine
hot path; through Flask and Authlib each cost about eight hello routes of CPU
(docs/PERFORMANCE.md). ``TokenEdge`` wraps the Flask WSGI app (as admin.published's
PublishedEdge does for documents): it reads a small form body once, asks
idp.token_fast_path for the answer, and writes it with what Flask would have added:
Authlib's JSON headers (``Cache-Control: no-store``, ``Pragma: no-cache``), the
``charset=utf-8`` label (admin.json_text), admin.headers' security headers, the
request id, the request counted in /metrics and the access log under the view's
endpoint. It opens no unit of work.

Everything else reaches Flask unchanged, with the body it sent: another path or
method, a query string, an ``Origin`` (idp.cors answers it), another media type, a
body without ``Content-Length`` or over MAX_FORM bytes, a form that is not plain
printable ASCII or repeats or empties a field, and every request the fast path does
not answer -- all errors, so their wire form stays Flask's and Authlib's.
tests/admin/test_token_edge.py compares both paths' answers and sends the error
cases through. ``enabled`` (ONEGATE_TOKEN_FAST_PATH) switches it off.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from admin.headers import security_headers
from admin.observability import EdgeRecorder, request_id
from edge import json_text

if TYPE_CHECKING:
    from idp.token_fast_path import TokenFastPath

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]

#: Largest form body read here (bytes): credentials, a scope list or one access token.
MAX_FORM = 8192
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded",
                         "application/x-www-form-urlencoded; charset=utf-8"})
#: What Authlib's ``default_json_headers`` and admin.json_text make of a JSON answer.
_JSON_HEADERS = [("Content-Type", "application/json; charset=utf-8")]
_NO_STORE = [("Cache-Control", "no-store"), ("Pragma", "no-cache")]
TOKEN_PATH, INTROSPECT_PATH = "/oauth/token", "/oauth/introspect"
_ENDPOINTS = {TOKEN_PATH: "idp_oauth_api.token", INTROSPECT_PATH: "idp_oauth_api.introspect"}


class TokenEdge:
    """WSGI middleware answering successful grants and introspections (see module)."""

    def __init__(self, app: WSGIApp, fast: TokenFastPath, recorder: EdgeRecorder, *,
                 enabled: bool = True) -> None:
        self.app = app
        self.fast = fast
        self.recorder = recorder
        self.enabled = enabled

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if (not self.enabled or path not in _ENDPOINTS
                or environ["REQUEST_METHOD"] != "POST"):
            return self.app(environ, start_response)
        started = time.perf_counter()
        answer = self._answer(environ, path)
        if answer is None:
            return self.app(environ, start_response)
        # What Authlib's flask.json.dumps writes through admin.json_text's provider.
        body = json_text.text(answer, sort_keys=True).encode()
        rid = request_id(environ.get("HTTP_X_REQUEST_ID", ""))
        start_response("200 OK", [
            *_JSON_HEADERS, ("Content-Length", str(len(body))), *_NO_STORE,
            *security_headers(environ.get("wsgi.url_scheme") == "https"),
            ("X-Request-Id", rid)])
        self.recorder.record("POST", _ENDPOINTS[path], 200, started, path, rid)
        return [body]

    def _answer(self, environ: dict, path: str) -> dict | None:
        form = _form(environ)
        if form is None:
            return None
        authorization = environ.get("HTTP_AUTHORIZATION")
        try:
            if path == TOKEN_PATH:
                return self.fast.grant(form, authorization, environ.get("REMOTE_ADDR"),
                                       environ)
            return self.fast.introspect(form, authorization)
        except Exception:  # noqa: BLE001 - Flask meets it again and answers it as today
            return None


def _form(environ: dict) -> dict[str, str] | None:
    """The form body's fields, or None for anything this layer leaves to Flask; a body
    read here is put back for Flask to read again."""
    if (environ.get("QUERY_STRING") or environ.get("HTTP_ORIGIN")
            or (environ.get("CONTENT_TYPE") or "").lower() not in _FORM_TYPES):
        return None
    length = environ.get("CONTENT_LENGTH") or ""
    # ASCII digits only: str.isdigit() also passes superscripts, which int() refuses.
    if not (length.isascii() and length.isdigit()) or int(length) > MAX_FORM:
        return None
    body = environ["wsgi.input"].read(int(length))
    environ["wsgi.input"] = io.BytesIO(body)
    if len(body) != int(length) or not body.isascii():
        return None
    fields: dict[str, str] = {}
    for name, value in parse_qsl(body.decode("ascii"), keep_blank_values=True):
        if (not value or name in fields or not _printable(name)
                or not _printable(value)):
            return None
        fields[name] = value
    return fields


def _printable(text: str) -> bool:
    return text.isascii() and text.isprintable()


def install(app: Any, fast: TokenFastPath, recorder: EdgeRecorder, *,
            enabled: bool = True) -> TokenEdge:
    """Wrap ``app.wsgi_app`` in a TokenEdge; returns it."""
    edge = TokenEdge(app.wsgi_app, fast, recorder, enabled=enabled)
    app.wsgi_app = edge
    return edge
