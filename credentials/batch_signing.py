"""The signing processes of API batches (``POST /api/v1/licenses:batch``): one pool of
``workers`` spawned processes per worker process (credentials.signing_pool, with its
key handling), lent to one large batch at a time.

A batch smaller than ``MIN_ITEMS``, or one that arrives while another batch has the
pool, signs in the request's process as before: the pool never queues a batch
behind another. The pool signs for one department key at a time; a batch for
another department restarts it (about a second: worth it only for large batches).
If a signing process dies, the chunk in progress rolls back and is signed again in
the request's process (``Deps.pool_optional``), so every item still gets its outcome.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from credentials.signing_pool import SigningPool


class BatchSigning:
    """Lends one SigningPool to one batch at a time; ``close`` shuts it down."""

    MIN_ITEMS = 100

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool = SigningPool(workers)
        self._lock = threading.Lock()

    @contextmanager
    def lend(self, items: int) -> Iterator[SigningPool | None]:
        """The pool for a batch of ``items``, or None (sign in this process) when the
        batch is small or another batch has the pool."""
        if items < self.MIN_ITEMS or not self._lock.acquire(blocking=False):
            yield None
            return
        try:
            yield self.pool
        finally:
            self._lock.release()

    def close(self) -> None:
        with self._lock:
            self.pool.close()
