"""One housekeeping runner per deployment: a lock every process sharing the database
can see, held by the runner for as long as it lives.

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a connection
  of its own. It goes with the connection: a runner that dies, or loses its
  connection, frees it for the next worker that tries.
- SQLite: an exclusive ``flock`` on ``<database file>.housekeeping.lock``. Only
  processes on the machine holding the file share a SQLite database, and the kernel
  frees the lock when the process dies.

Non-blocking: a process that does not get the lock simply does not run the job.
"""

from __future__ import annotations

import fcntl
import os
from typing import Any

from sqlalchemy import Engine, text

#: The advisory lock's key: "onegate-hk" as a 64-bit number (any fixed value would do).
ADVISORY_KEY = int.from_bytes(b"onegatehk", "big") & 0x7FFF_FFFF_FFFF_FFFF


class RunnerLock:
    """A non-blocking, process-lifetime lock over ``engine``'s database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._held: Any = None  # the connection (PostgreSQL) or file descriptor (SQLite)

    @property
    def held(self) -> bool:
        return self._held is not None

    def acquire(self) -> bool:
        """Take the lock if free, or confirm this object still holds it; whether it
        holds it now. Raises only database errors other than a lost connection."""
        if self._held is not None and self._still_held():
            return True
        self.release()
        if self._engine.dialect.name == "postgresql":
            return self._acquire_advisory()
        return self._acquire_file()

    def release(self) -> None:
        """Give the lock up (a no-op when not held)."""
        held, self._held = self._held, None
        if held is None:
            return
        if isinstance(held, int):
            os.close(held)  # closing the descriptor drops the flock
        else:
            _unlock(held)

    def _still_held(self) -> bool:
        if isinstance(self._held, int):
            return True
        try:
            self._held.execute(text("SELECT 1"))
            self._held.commit()  # never left idle in a transaction between runs
            return True
        except Exception:  # noqa: BLE001 - any failure means the session, and lock, are gone
            return False

    def _acquire_advisory(self) -> bool:
        connection = self._engine.connect()
        got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                 {"key": ADVISORY_KEY}).scalar()
        connection.commit()
        if got:
            self._held = connection
        else:
            connection.close()
        return bool(got)

    def _acquire_file(self) -> bool:
        path = f"{self._engine.url.database}.housekeeping.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._held = fd
        return True


def _unlock(connection) -> None:
    """Release the advisory lock at once (the server answers once it is free); a
    connection that cannot say so is thrown away, which ends its session and lock."""
    try:
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
        connection.commit()
    except Exception:  # noqa: BLE001 - a broken connection: its session ends when closed
        connection.invalidate()
    connection.close()
