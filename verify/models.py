"""The ``verify_use_records`` table: who used which licence, when, and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Metadata of the verify package only (its own Alembic branch)."""


class UseRecord(Base):
    """One department use of a licence: a retrieval with consent or an authenticated
    verification. Refers to licences and clients by public ids, not foreign keys."""

    __tablename__ = "verify_use_records"
    __table_args__ = (Index("ix_verify_use_records_holder", "holder_code", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(16))
    client_id: Mapped[str] = mapped_column(String(64))
    staff: Mapped[str | None] = mapped_column(String(100))
    licence_identifier: Mapped[str] = mapped_column(String(120), index=True)
    holder_code: Mapped[str | None] = mapped_column(String(18))
    purpose: Mapped[str] = mapped_column(String(200))
    result: Mapped[str | None] = mapped_column(String(16))
