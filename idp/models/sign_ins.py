"""Successful sign-ins per client and China-time day (idp.sign_in_counts)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from idp.models.base import Base


class ClientSignInDay(Base):
    """How many authorization codes ``client_id`` was issued on ``day`` (China time)."""

    __tablename__ = "idp_client_sign_ins"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
