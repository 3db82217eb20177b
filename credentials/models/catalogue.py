"""Issuers (departments), the department systems' OAuth clients, and licence types."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from credentials.models.base import Base
from edge.timestamps import UtcDateTime, utcnow


class Department(Base):
    """A registered issuer: its key ring is ``keys.department(code)``."""

    __tablename__ = "credential_departments"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class DepartmentClient(Base):
    """Which department an OAuth client (a department's system) acts for."""

    __tablename__ = "credential_department_clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    department_code: Mapped[str] = mapped_column(
        String(64), ForeignKey("credential_departments.code"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


#: A type's status: ``active`` issues; ``retired`` issues no more (its licences verify).
TYPE_STATUSES = ("active", "retired")


class LicenceType(Base):
    """A catalogue entry as it stands: its current version's definition (``version``,
    ``json_schema``, disclosure rules), which departments may issue it now
    (``departments``) and which once could (``former_departments``: their licences
    still verify), and whether it is retired. Every version's definition is kept in
    ``LicenceTypeVersion``."""

    __tablename__ = "credential_licence_types"
    __table_args__ = (CheckConstraint("status IN ('active', 'retired')", name="status"),)

    code: Mapped[str] = mapped_column(String(21), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    holder_kind: Mapped[str] = mapped_column(String(16))
    validity_days: Mapped[int] = mapped_column(Integer)
    departments: Mapped[list[str]] = mapped_column(JSON)
    always_disclosed: Mapped[list[str]] = mapped_column(JSON)
    disclosable: Mapped[list[str]] = mapped_column(JSON)
    offline_claims: Mapped[list[str]] = mapped_column(JSON)
    json_schema: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    status: Mapped[str] = mapped_column(String(10), default="active", server_default="active")
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    retired_reason: Mapped[str | None] = mapped_column(String(500))
    former_departments: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Bumped by every change: the published catalogue's version stamp.
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class LicenceTypeVersion(Base):
    """One version of a type's definition, immutable once written. A licence names the
    version it was issued under (``Licence.type_version``) and its ``vct`` URL."""

    __tablename__ = "credential_licence_type_versions"

    type_code: Mapped[str] = mapped_column(
        String(21), ForeignKey("credential_licence_types.code"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    validity_days: Mapped[int] = mapped_column(Integer)
    always_disclosed: Mapped[list[str]] = mapped_column(JSON)
    disclosable: Mapped[list[str]] = mapped_column(JSON)
    offline_claims: Mapped[list[str]] = mapped_column(JSON)
    json_schema: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), default="system")
