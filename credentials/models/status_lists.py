"""Token Status Lists: one row per list; the statuses live in the licences' rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from credentials.models.base import Base
from edge.timestamps import UtcDateTime, utcnow


class StatusListRow(Base):
    """A department's list. ``version`` grows on every status change, so a signed
    list cached under (id, version) is never stale; ``allocated`` counts slots taken."""

    __tablename__ = "credential_status_lists"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    department_code: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    bits: Mapped[int] = mapped_column(Integer)
    allocated: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class SlotReservation(Base):
    """A status slot a worker process reserved ahead of the single issues that will use
    it (credentials.slot_reserve), so no other process or allocation hands it out.

    Deleted by a later refill once the licence holding the slot is committed; a
    reservation whose process died before using it stays (its slot stays unassigned:
    bit 0, valid, in no licence)."""

    __tablename__ = "credential_status_reservations"

    status_list_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status_idx: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    reserved_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
