"""The one lock that serialises writers of the chain and of its checkpoints.

On PostgreSQL a transaction-level advisory lock (released at commit or rollback); on
SQLite the database write lock, taken up front by a no-op write so the reads that
follow already happen inside the write transaction.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

#: Arbitrary constant naming the audit append lock among PostgreSQL advisory locks
#: ("AUDIT" in ASCII).
ADVISORY_LOCK_ID = 0x4155444954


def lock(session: Session) -> None:
    """Take the audit write lock for the rest of the session's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": ADVISORY_LOCK_ID})
    else:
        session.execute(text("DELETE FROM audit_entries WHERE seq < 0"))
