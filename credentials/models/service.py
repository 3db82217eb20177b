"""Facts about the running service that every process must agree on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from credentials.models.base import Base
from edge.timestamps import UtcDateTime, utcnow


class ServedIssuer(Base):
    """The issuer URL the service was last served (or initialised) under: one row.

    Licences and status lists name it, so a command that signs in another process
    compares its own settings with this row instead of guessing."""

    __tablename__ = "credential_served_issuer"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer: Mapped[str] = mapped_column(String(500))
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
