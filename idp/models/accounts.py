"""Accounts (persons, enterprises, staff), who may act for an enterprise, recovery codes.

A staff account's roles are rows of their own (idp.models.staff.StaffRole)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
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


#: How a person acts for an enterprise: as its legal representative (法定代表人,
#: the person registered on its business licence) or as an agent (经办人/代理人)
#: authorised by the legal representative.
REPRESENTATION_ROLES = ("legal", "agent")


class Authorisation(Base):
    """A natural person who may act for a legal person (enterprise): in which role,
    for which matters, from when until when, granted by whom, and whether withdrawn.

    One row per (enterprise, person): naming the person again replaces the terms and
    reinstates a withdrawn row; the audit trail keeps the history.
    """

    __tablename__ = "idp_authorisations"
    __table_args__ = (UniqueConstraint("enterprise_account_id", "person_account_id"),
                      CheckConstraint("role IN ('legal', 'agent')", name="role"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_account_id: Mapped[int] = mapped_column(
        ForeignKey("idp_accounts.id", ondelete="CASCADE"))
    person_account_id: Mapped[int] = mapped_column(
        ForeignKey("idp_accounts.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(8), default="agent")
    # Matter codes or scopes the agent may handle; None: every matter.
    matters: Mapped[list | None] = mapped_column(JSON)
    valid_from: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # A person's sub (the legal representative), "operator:<name>" or "migration:<rev>".
    granted_by: Mapped[str] = mapped_column(String(80), default="")
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    withdrawn_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    def is_live(self, now: datetime) -> bool:
        """Not withdrawn, begun and not yet expired at ``now``."""
        return self.withdrawn_at is None and self.valid_from <= now and \
            (self.valid_until is None or now < self.valid_until)


class RecoveryCode(Base):
    """A one-time second-factor code, stored as SHA-256 (codes are high-entropy)."""

    __tablename__ = "idp_recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("idp_accounts.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
