"""Records of use: each retrieval with consent and each authenticated verification,
stored for the holder's "who used my licences" list and appended to the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit import log as audit_log
from verify.models import UseRecord

MAX_PURPOSE = 200
MAX_STAFF = 100


class BadPurpose(ValueError):
    """Missing, too long or not text."""


def check_purpose(purpose: Any) -> str:
    """The stripped purpose; raises BadPurpose (the national sharing rules ask for one,
    at most 200 characters)."""
    if not isinstance(purpose, str) or not purpose.strip():
        raise BadPurpose("purpose is required")
    purpose = purpose.strip()
    if len(purpose) > MAX_PURPOSE:
        raise BadPurpose(f"purpose is at most {MAX_PURPOSE} characters")
    return purpose


def check_staff(staff: Any) -> str | None:
    """The staff member header value or None; raises BadPurpose if unusable."""
    if staff is None or staff == "":
        return None
    if not isinstance(staff, str) or len(staff) > MAX_STAFF or not staff.isprintable():
        raise BadPurpose(f"X-Onegate-Staff is at most {MAX_STAFF} printable characters")
    return staff.strip()


@dataclass(frozen=True)
class Use:
    kind: str
    client_id: str
    staff: str | None
    licence_identifier: str
    holder_code: str | None
    purpose: str
    result: str | None = None


def record(session: Session, use: Use) -> UseRecord:
    """Store the use and append it to the audit chain, in the caller's transaction."""
    row = UseRecord(at=datetime.now(UTC), kind=use.kind, client_id=use.client_id,
                    staff=use.staff, licence_identifier=use.licence_identifier,
                    holder_code=use.holder_code, purpose=use.purpose, result=use.result)
    session.add(row)
    actor = f"client:{use.client_id}" + (f"/staff:{use.staff}" if use.staff else "")
    audit_log.append(session, actor=actor, action=f"licence.{use.kind}",
                     subject=use.licence_identifier,
                     data={"purpose": use.purpose, "result": use.result})
    return row


def for_holder(session: Session, holder_code: str, limit: int = 200) -> list[dict[str, Any]]:
    """The holder's uses, newest first."""
    rows = session.scalars(select(UseRecord).where(UseRecord.holder_code == holder_code)
                           .order_by(UseRecord.at.desc(), UseRecord.id.desc()).limit(limit))
    return [{"at": _iso(r.at), "kind": r.kind, "client_id": r.client_id, "staff": r.staff,
             "licence_identifier": r.licence_identifier, "purpose": r.purpose,
             "result": r.result} for r in rows]


def _iso(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")
