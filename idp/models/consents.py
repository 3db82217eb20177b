"""A person's consent, per client and per scope."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from edge.timestamps import UtcDateTime, utcnow
from idp.models.base import Base


class Consent(Base):
    __tablename__ = "oauth_consents"
    __table_args__ = (UniqueConstraint("sub", "client_id", "scope",
                                       name="uq_oauth_consents_sub_client_scope"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sub: Mapped[str] = mapped_column(String(64), index=True)
    client_id: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(100))
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
