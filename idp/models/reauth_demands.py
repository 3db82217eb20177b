"""Re-authentication demands, each bound to one pending authorization request."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from edge.timestamps import UtcDateTime
from idp.models.base import Base


class ReauthDemand(Base):
    """The provider sent the browser to log in for the authorization request whose
    key is ``request_key``: a code for it needs a login after ``requested_at``."""

    __tablename__ = "idp_reauth_demands"

    request_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


__all__ = ["ReauthDemand"]
