"""Hand the WSGI server a response body it can send in one piece.

Werkzeug answers every response with an iterator (``ClosingIterator``), even when the
body is one byte string already in memory. Granian sends an iterator through its
streaming path, which takes the GIL back for every chunk and for the end of the
iteration: in the token and introspection profiles (bench/profile.py, ``--gil``) that
path held 14-28 % of the worker's samples. A list is sent in one call.

So a response whose length is known when the app returns (``Content-Length`` set by
the time ``start_response`` was called) and at most ``MAX_WHOLE_BODY`` bytes is
joined and returned as a one-item list; the iterator is closed as WSGI requires
(PEP 3333: the server "must call the close() method"). Anything else -- a streamed
body, no length, a length over the bound -- passes through untouched, so memory per
request stays bounded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

#: Largest body joined in memory (bytes); a static file or export above it streams.
MAX_WHOLE_BODY = 1 << 20


def whole_body(app: Callable[..., Iterable[bytes]], environ: dict[str, Any],
               start_response: Callable[..., Any]) -> Iterable[bytes]:
    """``app(environ, start_response)``, with a known, bounded body as a one-item list."""
    length = -1

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        nonlocal length
        length = -1
        for name, value in headers:
            if name.lower() == "content-length":
                length = int(value) if value.isascii() and value.isdigit() else -1
        return start_response(status, headers, exc_info)

    body = app(environ, start)
    if isinstance(body, list) or not 0 <= length <= MAX_WHOLE_BODY:
        return body
    try:
        return [b"".join(body)]
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
