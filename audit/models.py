"""The ``audit_entries`` and ``audit_checkpoints`` tables. The audit package owns its
own metadata."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from edge.timestamps import UtcDateTime


class Base(DeclarativeBase):
    """Metadata of the audit package only (its own Alembic branch)."""


class AuditEntry(Base):
    """One appended event. ``seq`` is dense from 1; ``hash`` chains to ``prev_hash``,
    keyed (``hash_alg`` hmac-sha256) or, for entries older than keying, bare sha256."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100), index=True)
    subject: Mapped[str] = mapped_column(String(300), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # The server default names what rows written before keying are; new rows always
    # say what they are.
    hash_alg: Mapped[str] = mapped_column(String(16), server_default="sha256")

    def as_dict(self) -> dict[str, Any]:
        from audit.chain import canonical_time

        return {"seq": self.seq, "at": canonical_time(self.at), "actor": self.actor,
                "action": self.action, "subject": self.subject, "data": self.data,
                "prev_hash": self.prev_hash, "hash": self.hash, "hash_alg": self.hash_alg}


class AuditCheckpoint(Base):
    """A signed checkpoint of the chain head: ``token`` is the JWS, the other columns
    repeat its claims for queries (verification trusts only the JWS)."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    kid: Mapped[str] = mapped_column(String(100))
    token: Mapped[str] = mapped_column(Text)
