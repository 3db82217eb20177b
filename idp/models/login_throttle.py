"""Failed-login counters for the database throttle store (used when Redis is not set)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from idp.models.base import Base, UtcDateTime, utcnow


class LoginThrottle(Base):
    """Failures under one key (a hashed login or IP) and when the key is free again."""

    __tablename__ = "idp_login_throttle"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
