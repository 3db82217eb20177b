"""Per-day counters of events the provider keeps no row for (failed logins), for the
operators' dashboard and ``/metrics``."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from idp.models.base import Base


class DailyCount(Base):
    """How often ``name`` happened on ``day`` (China time, ``YYYY-MM-DD``)."""

    __tablename__ = "idp_daily_counts"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
