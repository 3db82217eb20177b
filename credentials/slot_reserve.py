"""Status slots reserved ahead, per worker process and department, refilled outside
requests: a single issue takes its slot from memory instead of queueing on the
department's status-list row lock (``status.allocate`` holds it to the commit).

A request never opens a transaction of its own for this (one request, one unit of
work): ``take`` only reads memory and hands out nothing when the reserve cannot
cover the whole request, and the caller then allocates in its own transaction as
before (``status.allocate``). Refills run in a background thread of this process,
each in its own transaction (``status.reserve``), when a department's reserve runs
low; the first single issue of a department after start-up finds it empty and so
allocates in its transaction, and wakes the refill.

Herd privacy is that of ``status.allocate``: every reserved slot is a uniformly
random free index drawn with the CSPRNG (never a contiguous block, which would tell
issuance order), and the reserve hands them out in a CSPRNG-shuffled order.
Uniqueness across processes: reserved slots are recorded in
``credential_status_reservations`` (the probes of ``allocate`` and of every refill
skip them), and the unique ``(status_list_id, status_idx)`` constraint on licences
stays the backstop. Slots reserved by a process that dies, or drawn by a request
that rolls back, are lost: they stay unassigned (their bits stay 0, in no licence)
and count in the list's ``allocated``.

Only small allocations (``MAX_TAKE``) use the reserve: batches and imports reserve
their slots in their own transaction, one row lock per chunk.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import weakref

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from credentials import status

log = logging.getLogger(__name__)

#: Allocations of at most this many slots are served from the reserve.
MAX_TAKE = 8
#: Seconds a department's refill waits after a failed one.
RETRY_AFTER = 5.0

Slot = tuple[str, int]
_shuffle = random.SystemRandom().shuffle


class SlotReserve:
    """``size`` slots ahead per department (refilled when fewer than a quarter are
    left). Thread-safe; a forked child starts with an empty reserve (its parent's
    slots are the parent's). ``close`` stops the refill thread."""

    def __init__(self, sessions: sessionmaker[Session], size: int = 256, *,
                 background: bool = True) -> None:
        if size < 1:
            raise ValueError("a slot reserve holds at least one slot")
        self.size = size
        self.low = max(1, size // 4)
        self.refills = 0
        self.failures = 0
        self._sessions = sessions
        self._background = background
        self._reset()
        ref = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: (lambda r: r and r._reset())(ref()))

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._slots: dict[str, list[Slot]] = {}
        self._wanted: list[str] = []
        self._busy = False
        self._closed = False
        self._thread: threading.Thread | None = None

    def held(self, department_code: str) -> int:
        """How many slots the reserve holds for the department."""
        with self._lock:
            return len(self._slots.get(department_code, ()))

    def take(self, department_code: str, count: int) -> list[Slot]:
        """``count`` reserved slots of the department, or none when the reserve cannot
        cover them all (the caller allocates them itself). Reads memory only; wakes the
        refill when the department's reserve runs low."""
        if count > MAX_TAKE or count < 1:
            return []
        with self._lock:
            held = self._slots.setdefault(department_code, [])
            taken: list[Slot] = []
            if len(held) >= count:
                taken = held[-count:]
                del held[-count:]
            if len(held) < self.low and not self._closed and self._background:
                self._want(department_code)
        return taken

    def _want(self, department_code: str) -> None:
        """With the lock held: queue a refill and make sure the thread runs."""
        if department_code not in self._wanted:
            self._wanted.append(department_code)
            self._wake.notify()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="onegate-slot-reserve",
                                            daemon=True)
            self._thread.start()

    def refill(self, department_code: str) -> int:
        """Top the department's reserve up to ``size`` in a transaction of its own;
        returns how many slots were reserved. Raises SQLAlchemyError."""
        with self._lock:
            need = self.size - len(self._slots.get(department_code, ()))
        if need <= 0:
            return 0
        with self._sessions.begin() as session:
            slots = status.reserve(session, department_code, need)
        _shuffle(slots)
        with self._lock:
            self._slots.setdefault(department_code, [])[:0] = slots
            self.refills += 1
        return len(slots)

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._wanted and not self._closed:
                    self._busy = False
                    self._wake.notify_all()
                    self._wake.wait()
                if self._closed:
                    self._busy = False
                    self._wake.notify_all()
                    return
                department_code = self._wanted[0]
                self._busy = True
            try:
                self.refill(department_code)
            except Exception as exc:  # noqa: BLE001 - the thread must outlive any refill
                self.failures += 1
                log.log(logging.WARNING if isinstance(exc, SQLAlchemyError) else logging.ERROR,
                        "status-slot reserve: refill for %s failed (%s); single issues "
                        "allocate in their own transaction meanwhile", department_code,
                        type(exc).__name__, exc_info=not isinstance(exc, SQLAlchemyError))
                with self._lock:
                    self._wake.wait(RETRY_AFTER)
            with self._lock:
                if department_code in self._wanted:
                    self._wanted.remove(department_code)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no refill is queued or running (tests, benchmarks); False on
        timeout."""
        with self._lock:
            return self._wake.wait_for(lambda: not self._wanted and not self._busy,
                                       timeout)

    def close(self) -> None:
        """Stop the refill thread (the reserved slots are lost: see the module doc)."""
        with self._lock:
            self._closed = True
            self._wake.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=10)
