"""The ``signing_keys`` table. The keys package owns its tables and metadata."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Integer, LargeBinary, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from edge.timestamps import UtcDateTime


class Base(DeclarativeBase):
    """Metadata of the keys package only (its own Alembic branch)."""


class SigningKeyRow(Base):
    """One signing key; the private part is an envelope-encrypted blob."""

    __tablename__ = "signing_keys"
    __table_args__ = (
        CheckConstraint("state IN ('next', 'active', 'retired', 'revoked')",
                        name="ck_signing_keys_state"),
    )

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(128), index=True)
    alg: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    encrypted_private: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    activates_at: Mapped[datetime] = mapped_column(UtcDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    #: keys.row_mac over the columns above but the key material; NULL: not trusted.
    row_mac: Mapped[str | None] = mapped_column(String(64))


class KeyRotationScheduleRow(Base):
    """One owner's rotation period (keys.schedule); durations in whole seconds."""

    __tablename__ = "key_rotation_schedules"

    owner: Mapped[str] = mapped_column(String(128), primary_key=True)
    every_seconds: Mapped[int] = mapped_column(Integer)
    prepublish_seconds: Mapped[int] = mapped_column(Integer)
    next_rotation_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    last_rotated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
