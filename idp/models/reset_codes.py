"""One-time account reset codes: issued by a counter clerk or sent to a verified
phone or email, each stored only as a KEK-keyed HMAC (see idp.reset_codes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from edge.timestamps import UtcDateTime, utcnow
from idp.models.base import Base

#: Where the code came from: a clerk at a service hall, or a message the person received.
CHANNELS = ("counter", "sms", "email")


class ResetCode(Base):
    """A code that lets its account set a new password and/or re-enrol its second factor.

    At most one is live per account: issuing a new one voids the others
    (``voided_at``); ``used_at`` is set by the conditional UPDATE that spends it.
    """

    __tablename__ = "idp_reset_codes"
    __table_args__ = (
        CheckConstraint("channel IN ('counter', 'sms', 'email')", name="channel"),
        Index("ix_idp_reset_codes_account_id_code_hash", "account_id", "code_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("idp_accounts.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))
    resets_password: Mapped[bool] = mapped_column(Boolean)
    resets_totp: Mapped[bool] = mapped_column(Boolean)
    #: The audit actor who issued it (``operator:<name>``, ``staff:<sub>``, ``person:<sub>``).
    issued_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


__all__ = ["CHANNELS", "ResetCode"]
