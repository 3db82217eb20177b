"""Issuers (departments), the department systems' OAuth clients, and licence types."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
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


class LicenceType(Base):
    """A catalogue entry; ``json_schema`` validates the type's own claims."""

    __tablename__ = "credential_licence_types"

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
