"""verify's tables: ``verify_use_records`` (who used which licence, when, and why) and
``verify_rate_counters`` (the shared rate-limit windows when there is no Redis)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from edge.timestamps import UtcDateTime


class Base(DeclarativeBase):
    """Metadata of the verify package only (its own Alembic branch)."""


class UseRecord(Base):
    """One department use of a licence: a retrieval with consent or an authenticated
    verification. Refers to licences and clients by public ids, not foreign keys.

    ``holder_code`` comes from the issuer's stored record of the licence, never from
    what a presentation disclosed. ``staff_source`` says where ``staff`` came from:
    ``stated_by_department`` (the X-Onegate-Staff header, not verified by us) or
    ``verified_clerk`` (a clerk acting under the holder's mandate, from the signed
    token: ``actor_sub`` is their staff account, ``station`` their hall or station)."""

    __tablename__ = "verify_use_records"
    __table_args__ = (Index("ix_verify_use_records_holder", "holder_code", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(16))
    client_id: Mapped[str] = mapped_column(String(64))
    staff: Mapped[str | None] = mapped_column(String(100))
    staff_source: Mapped[str | None] = mapped_column(String(32))
    licence_identifier: Mapped[str] = mapped_column(String(120), index=True)
    holder_code: Mapped[str | None] = mapped_column(String(18))
    purpose: Mapped[str] = mapped_column(String(200))
    result: Mapped[str | None] = mapped_column(String(16))
    actor_sub: Mapped[str | None] = mapped_column(String(64))
    station: Mapped[str | None] = mapped_column(String(200))


class RateCounter(Base):
    """One rate-limit key's current fixed window: its start (epoch seconds) and hits.
    One row per key, counted with an atomic upsert (verify.rate_counters)."""

    __tablename__ = "verify_rate_counters"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, index=True)
    hits: Mapped[int] = mapped_column(Integer)
