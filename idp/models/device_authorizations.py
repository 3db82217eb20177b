"""Device authorization requests (RFC 8628): a terminal's, or the login page's own."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from edge.timestamps import UtcDateTime, utcnow
from idp.models.base import Base


class DeviceAuthorization(Base):
    """One device authorization request, from issue to the tokens (or the refusal).

    ``status`` moves pending -> approved | denied, approved -> issued, each step one
    conditional UPDATE. Both codes are stored only as keyed hashes
    (``idp.user_codes``); the row is kept after use so a replayed device code is
    recognised and what it produced can be revoked.
    """

    __tablename__ = "oauth_device_authorizations"
    __table_args__ = (Index("ix_oauth_device_authorizations_user_code_hash",
                            "user_code_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_code_hash: Mapped[str] = mapped_column(String(64))
    #: "terminal" (a registered client polls the token endpoint) or "login" (the
    #: provider's own desktop login page polls /login/qr/poll).
    purpose: Mapped[str] = mapped_column(String(10))
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    scope: Mapped[str] = mapped_column(Text, default="")
    #: The assurance the approving session must have (None, or "loa-2").
    acr_required: Mapped[str | None] = mapped_column(String(20))
    #: The approving session must have authenticated after this request was made.
    fresh_login: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Who asked (the desktop's address and browser), shown on the phone.
    requester_address: Mapped[str | None] = mapped_column(String(64))
    requester_agent: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    interval: Mapped[int] = mapped_column(Integer)
    last_polled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # What the approving phone's session proved (copied at approval).
    sub: Mapped[str | None] = mapped_column(String(64))
    sid: Mapped[str | None] = mapped_column(String(128))
    #: When the approving session authenticated (to the microsecond: a desktop login
    #: it completes is ordered against a demand for a fresh login, idp.reauth).
    authenticated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acr: Mapped[str | None] = mapped_column(String(20))
    amr: Mapped[list | None] = mapped_column(JSON)
    # Assigned when the tokens are issued, so a replay can revoke them.
    issued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    access_jti: Mapped[str | None] = mapped_column(String(64))
    family_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
