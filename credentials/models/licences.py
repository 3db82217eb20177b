"""Issued licences, their rendered QR images, and idempotency records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from credentials.models.base import Base
from edge.timestamps import UtcDateTime, utcnow

STATES = ("valid", "suspended", "revoked")


class Licence(Base):
    """One licence version. ``(status_list_id, status_idx)`` is unique: the rows
    themselves record which status-list slots are taken. ``(department_code, serial,
    version)`` is unique too: the content key that makes imports idempotent."""

    __tablename__ = "credential_licences"
    __table_args__ = (
        CheckConstraint("state IN ('valid', 'suspended', 'revoked')", name="state"),
        UniqueConstraint("status_list_id", "status_idx", name="uq_credential_licences_status"),
        Index("ix_credential_licences_holder", "holder_code_type", "holder_number"),
        Index("ix_credential_licences_list_state", "status_list_id", "state"),
        Index("uq_credential_licences_content", "department_code", "serial", "version",
              unique=True),
    )

    identifier: Mapped[str] = mapped_column(String(120), primary_key=True)
    type_code: Mapped[str] = mapped_column(String(21), index=True)
    #: The version of its type it was issued under (its ``vct`` names it).
    type_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    department_code: Mapped[str] = mapped_column(String(64), index=True)
    serial: Mapped[str] = mapped_column(String(16))
    version: Mapped[str] = mapped_column(String(3))
    holder_code_type: Mapped[str] = mapped_column(String(3))
    holder_number: Mapped[str] = mapped_column(String(18))
    holder_name: Mapped[str] = mapped_column(String(200))
    claims: Mapped[dict[str, Any]] = mapped_column(JSON)
    valid_from: Mapped[datetime] = mapped_column(UtcDateTime())
    valid_until: Mapped[datetime] = mapped_column(UtcDateTime())
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    state: Mapped[str] = mapped_column(String(10), default="valid")
    state_reason: Mapped[str | None] = mapped_column(String(500))
    state_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: What verifiers and the holder may read about a suspension or revocation
    #: (credentials.public_reasons); ``state_reason`` is the issuer's internal one.
    public_reason: Mapped[str | None] = mapped_column(String(40))
    public_note: Mapped[str | None] = mapped_column(String(200))
    status_list_id: Mapped[str] = mapped_column(String(32))
    status_idx: Mapped[int] = mapped_column(Integer)
    kid: Mapped[str] = mapped_column(String(64))
    sd_jwt: Mapped[str] = mapped_column(Text)
    offline_qr: Mapped[str] = mapped_column(Text)
    reference_hash: Mapped[str] = mapped_column(String(64))
    previous_identifier: Mapped[str | None] = mapped_column(String(120))
    superseded_by: Mapped[str | None] = mapped_column(String(120))


class QrImage(Base):
    """A rendered offline QR symbol (public data), stored so it is rendered once. The
    reference form carries a secret token and is never stored (credentials.qr)."""

    __tablename__ = "credential_qr_images"

    identifier: Mapped[str] = mapped_column(String(120), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    png: Mapped[bytes] = mapped_column(LargeBinary)
    svg: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class IdempotencyRecord(Base):
    """An Idempotency-Key (per client) or import line key (per department) already used."""

    __tablename__ = "credential_idempotency"

    scope: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    identifier: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
