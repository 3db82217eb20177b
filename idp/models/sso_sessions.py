"""Single sign-on sessions at the provider and the halls (clients) that joined each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from edge.timestamps import UtcDateTime, utcnow
from idp.models.base import Base


class SsoSession(Base):
    """One browser's login at the provider; ``sid`` goes into ID and logout tokens."""

    __tablename__ = "idp_sso_sessions"

    sid: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("idp_accounts.id", ondelete="CASCADE"), index=True)
    auth_time: Mapped[datetime] = mapped_column(UtcDateTime)
    acr: Mapped[str] = mapped_column(String(16))
    amr: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: The browser's User-Agent when the session started (cut to 200), for the lists
    #: of sessions the person and a counter clerk see.
    device: Mapped[str | None] = mapped_column(String(200))
    #: The last login or hall sign-in within the session (not every page view: no
    #: write per request).
    last_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SsoParticipant(Base):
    """A client that received tokens within a session (for back-channel logout)."""

    __tablename__ = "idp_sso_participants"

    sid: Mapped[str] = mapped_column(
        ForeignKey("idp_sso_sessions.sid", ondelete="CASCADE"), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


__all__ = ["SsoSession", "SsoParticipant"]
