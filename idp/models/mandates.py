"""代办 mandates: a citizen's authorisation of a clerk at a hall or station to act for
them on one matter for a short time (idp.mandates)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from edge.timestamps import UtcDateTime, utcnow
from idp.models.base import Base


class Mandate(Base):
    """One mandate, from the station's request to its end.

    ``status`` moves pending -> active | denied (each one conditional UPDATE); an
    active mandate ends at ``expires_at`` or when the citizen (or the clerk's
    system) ends it (``ended_at``). The station's reference and the codes are kept
    only as keyed hashes. The clerk's name and the hall's are copied at the
    request: what the citizen approved is what the record keeps saying.
    """

    __tablename__ = "idp_mandates"
    __table_args__ = (Index("ix_idp_mandates_citizen_sub", "citizen_sub", "status"),
                      Index("ix_idp_mandates_user_code_hash", "user_code_hash"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Public id shown to the citizen and put in tokens (``cn_mandate.id``).
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    reference_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_code_hash: Mapped[str | None] = mapped_column(String(64))
    one_time_code_hash: Mapped[str | None] = mapped_column(String(64))
    code_attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: "phone" (approved on the citizen's phone) or "id_document" (the clerk checked
    #: the ID document and the citizen gave a one-time code): the weaker method.
    method: Mapped[str] = mapped_column(String(16))
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    clerk_sub: Mapped[str] = mapped_column(String(64))
    clerk_name: Mapped[str] = mapped_column(String(200))
    hall_code: Mapped[str] = mapped_column(String(32))
    hall_name: Mapped[str] = mapped_column(String(200))
    citizen_sub: Mapped[str | None] = mapped_column(String(64))
    matter: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(Text, default="")
    #: How long the mandate lasts once given (seconds).
    duration: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    #: The pending request's end (the QR code or the one-time code stops working).
    request_expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: The approving session's assurance (phone), "loa-1" for id_document.
    acr: Mapped[str | None] = mapped_column(String(20))
    amr: Mapped[list | None] = mapped_column(JSON)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class MandateToken(Base):
    """An access token issued under a mandate (by ``jti``): denied when it ends."""

    __tablename__ = "idp_mandate_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mandate_id: Mapped[int] = mapped_column(
        ForeignKey("idp_mandates.id", ondelete="CASCADE"), index=True)
    jti: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
