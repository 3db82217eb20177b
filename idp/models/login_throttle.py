"""Throttle counters for the database store (used when Redis is not configured)."""

from __future__ import annotations

from sqlalchemy import Boolean, Double, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from idp.models.base import Base


class LoginThrottle(Base):
    """Attempts under one hashed key in the current window, and until when it waits.

    Times are epoch seconds (floats), so the single upsert that counts an attempt
    compares and sets them the same way on SQLite and PostgreSQL. ``admitted`` is the
    verdict of the last upsert, read back through ``RETURNING`` by the statement
    that wrote it.
    """

    __tablename__ = "idp_login_throttle"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[float] = mapped_column(Double)
    locked_until: Mapped[float] = mapped_column(Double, default=0.0)
    admitted: Mapped[bool] = mapped_column(Boolean, default=True)
