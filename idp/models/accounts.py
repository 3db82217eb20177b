"""Accounts (persons, enterprises, staff), who may act for an enterprise, recovery codes.

A staff account's roles are rows of their own (idp.models.staff.StaffRole)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from edge.timestamps import UtcDateTime, utcnow
from idp.models.base import Base

KINDS = ("person", "enterprise", "staff")


class Account(Base):
    """One login. ``sub`` is the public, stable subject identifier (OIDC Core 2)."""

    __tablename__ = "idp_accounts"
    __table_args__ = (CheckConstraint("kind IN ('person', 'enterprise', 'staff')", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sub: Mapped[str] = mapped_column(String(22), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    phone_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    email: Mapped[str | None] = mapped_column(String(254))
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    locale: Mapped[str] = mapped_column(String(16), default="zh-CN")
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    locked_reason: Mapped[str | None] = mapped_column(String(200))
    # TOTP seeds are sealed (AES-GCM, key derived from the KEK): see idp.totp.
    totp_secret: Mapped[str | None] = mapped_column(String(200))
    totp_pending_secret: Mapped[str | None] = mapped_column(String(200))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Last accepted RFC 6238 time step: a code is never accepted twice (replay).
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    @property
    def has_totp(self) -> bool:
        return self.totp_enabled_at is not None and self.totp_secret is not None


class Authorisation(Base):
    """A natural person authorised to act for a legal person (enterprise)."""

    __tablename__ = "idp_authorisations"
    __table_args__ = (UniqueConstraint("enterprise_account_id", "person_account_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_account_id: Mapped[int] = mapped_column(
        ForeignKey("idp_accounts.id", ondelete="CASCADE"))
    person_account_id: Mapped[int] = mapped_column(
        ForeignKey("idp_accounts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class RecoveryCode(Base):
    """A one-time second-factor code, stored as SHA-256 (codes are high-entropy)."""

    __tablename__ = "idp_recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("idp_accounts.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
