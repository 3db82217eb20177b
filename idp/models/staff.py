"""Staff roles with their scope, and the service halls (and village stations) they
work in. A role is one row: who, which role, over what (``scope``: a department code,
a hall code, or empty for the province-wide roles); see ``idp.staff``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from edge.timestamps import UtcDateTime, utcnow
from idp.models.base import Base


class Hall(Base):
    """A service hall or station, from the provincial centre down to a village; its
    relying parties (``OAuthClient.hall_code``) and counter clerks belong to it."""

    __tablename__ = "idp_halls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Administrative division it serves, e.g. 广州市天河区 (free text).
    region: Mapped[str] = mapped_column(String(200), default="")
    #: province, city, county, town or village (idp.halls.LEVELS).
    level: Mapped[str] = mapped_column(String(16))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class StaffRole(Base):
    """One role of one staff account, over one scope."""

    __tablename__ = "idp_staff_roles"
    __table_args__ = (UniqueConstraint("account_id", "role", "scope",
                                       name="uq_idp_staff_roles_grant"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("idp_accounts.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    #: "" (platform-admin, auditor), a department code (department-admin) or a hall
    #: code (hall-admin, clerk).
    scope: Mapped[str] = mapped_column(String(64), default="")
    #: Who granted it: ``operator:<name>`` (CLI) or ``staff:<sub>`` (console).
    granted_by: Mapped[str] = mapped_column(String(200))
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
