"""Published documents: bytes built once, served with a strong ETag, rebuilt on change.

JWKS, discovery, the trust list and status lists are read by every relying party and
verifier far more often than they change. Each is a PublishedDocument: the bytes and
their ETag are computed once and shared by every request; a request costs a lookup
and, for a matching ``If-None-Match``, a 304 without a body (RFC 9110 section 13.1.2).

Freshness across workers: a worker re-checks at most every ``check_every`` seconds,
by asking ``version()`` (a cheap stamp, e.g. the key table's latest change) when one is
given, or by rebuilding; the worker that made a change calls ``invalidate()``. Keys are
published before they sign (the key ring's pre-publication), so a few seconds of lag
never hides a key that is in use. A document whose bytes age by themselves (a signed
token with ``iat``/``exp``) is also rebuilt every ``rebuild_every`` seconds.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from edge import json_text

_UNSET = object()


def json_body(value: object) -> bytes:
    """``value`` as Flask's ``jsonify`` writes it with the app's provider (sorted keys,
    compact, UTF-8 text, a final newline), so a precomputed body has the same bytes."""
    return json_text.dumps(value)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One built state of a document."""

    body: bytes
    etag: str
    headers: tuple[tuple[str, str], ...]

    def answer(self, if_none_match: str | None) -> tuple[int, bytes, tuple[tuple[str, str], ...]]:
        """(status, body, headers) for a GET with this ``If-None-Match`` value."""
        if if_none_match and _matches(if_none_match, self.etag):
            return 304, b"", tuple(h for h in self.headers if h[0] != "Content-Type")
        return 200, self.body, self.headers


class PublishedDocument:
    """A document rebuilt from ``build()`` when ``version()`` changes (or, without a
    version, every ``check_every`` seconds). ``snapshot`` raises what ``build`` or
    ``version`` raise (a database outage: the caller answers 503); the next request
    tries again.
    """

    def __init__(self, build: Callable[[], bytes], *, media_type: str, max_age: int,
                 version: Callable[[], Hashable] | None = None, check_every: float = 2.0,
                 rebuild_every: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._build = build
        self._version = version
        self._check_every = check_every
        self._rebuild_every = rebuild_every
        self._clock = clock
        self._built_at = 0.0
        self._generation = 0  # bumped by invalidate(), also during a refresh
        self._static = (("Content-Type", json_text.labelled(media_type)),
                        ("Cache-Control", f"public, max-age={max_age}"))
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._seen: object = _UNSET
        self._next_check = 0.0

    def snapshot(self) -> Snapshot:
        """The current snapshot, rebuilt first when due."""
        current = self._snapshot
        if current is not None and self._clock() < self._next_check:
            return current
        with self._lock:
            if self._snapshot is not None and self._clock() < self._next_check:
                return self._snapshot
            return self._refresh()

    @property
    def built(self) -> bool:
        """Whether a snapshot was ever built (the document exists)."""
        return self._snapshot is not None

    def invalidate(self) -> None:
        """Rebuild at the next request (this worker made a change)."""
        self._generation += 1
        self._next_check = 0.0
        self._seen = _UNSET

    def _refresh(self) -> Snapshot:
        generation = self._generation
        now = self._clock()
        stamp = self._version() if self._version is not None else _UNSET
        aged = self._rebuild_every is not None and now >= self._built_at + self._rebuild_every
        if self._snapshot is None or stamp is _UNSET or stamp != self._seen or aged:
            body = self._build()
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            self._snapshot = Snapshot(body, etag, (*self._static, ("ETag", etag)))
            self._seen, self._built_at = stamp, now
        # An invalidate() that came while we read is not lost: check again next time.
        if generation == self._generation:
            self._next_check = now + self._check_every
        else:
            self._seen = _UNSET
        return self._snapshot


class PublishedFamily:
    """Documents of one kind named by a key (status lists by id), at most ``limit``
    held; the least recently used is dropped first."""

    def __init__(self, factory: Callable[[str], PublishedDocument], limit: int = 256) -> None:
        self._factory = factory
        self._limit = limit
        self._lock = threading.Lock()
        self._documents: OrderedDict[str, PublishedDocument] = OrderedDict()

    def get(self, name: str) -> PublishedDocument:
        with self._lock:
            found = self._documents.get(name)
            if found is None:
                found = self._documents[name] = self._factory(name)
                while len(self._documents) > self._limit:
                    self._documents.popitem(last=False)
            else:
                self._documents.move_to_end(name)
            return found

    def peek(self, name: str) -> PublishedDocument | None:
        """The document ``name`` if it was built before, else None (nothing is made:
        the fast path leaves unknown names to the view, which answers 404)."""
        found = self._documents.get(name)
        return found if found is not None and found.built else None

    def snapshot(self, name: str) -> Snapshot:
        """The snapshot of ``name``, its document made if needed. Raises what the build
        raises (e.g. "no such list"); a document that never built is then dropped, so
        unknown names take no room."""
        document = self.get(name)
        try:
            return document.snapshot()
        except BaseException:
            if not document.built:
                with self._lock:
                    if self._documents.get(name) is document:
                        del self._documents[name]
            raise

    def invalidate(self, name: str) -> None:
        with self._lock:
            found = self._documents.get(name)
        if found is not None:
            found.invalidate()

    def invalidate_all(self) -> None:
        with self._lock:
            found = list(self._documents.values())
        for document in found:
            document.invalidate()

    def invalidate_where(self, predicate: Callable[[str], bool]) -> None:
        """Invalidate the documents whose name satisfies ``predicate``."""
        with self._lock:
            found = [d for name, d in self._documents.items() if predicate(name)]
        for document in found:
            document.invalidate()

    def __len__(self) -> int:
        return len(self._documents)


def _matches(header: str, etag: str) -> bool:
    # RFC 9110 section 13.1.2: weak comparison; "*" matches any current representation.
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == etag:
            return True
    return False
