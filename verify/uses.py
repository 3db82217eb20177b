"""Records of use: each retrieval with consent and each department system's verification,
stored for the holder's "who used my licences" list and appended to the audit trail.

The holder of a use is read from the issuer's stored record of the licence, never from
the claims a presentation disclosed (a holder number may be withheld). Who did it:

- under a 代办 token (RFC 8693 ``act`` with ``cn_mandate``, idp.grants.token_exchange)
  the clerk as the provider verified them: their staff account (``actor_sub``), name
  and station, ``staff_source`` ``verified_clerk``; a staff header is then ignored;
- otherwise a staff name from the department's own header, stored and shown as the
  department's statement (``staff_source`` ``stated_by_department``)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit import log as audit_log
from credentials.models import Licence
from verify.models import UseRecord

MAX_PURPOSE = 200
MAX_STAFF = 100
#: ``staff_source`` of a staff name sent by the department system in X-Onegate-Staff.
STATED_BY_DEPARTMENT = "stated_by_department"
#: ``staff_source`` of a clerk acting under a citizen's mandate: from the signed token.
VERIFIED_CLERK = "verified_clerk"
#: Page sizes of the holder's licences and of the uses lists.
DEFAULT_LIMIT, MAX_LIMIT = 100, 500


class BadPurpose(ValueError):
    """Missing, too long or not text; ``reason`` is the machine reason for the field."""

    def __init__(self, message: str, reason: str = "invalid") -> None:
        super().__init__(message)
        self.reason = reason


class BadStaff(ValueError):
    """An unusable staff member value; ``reason`` is the machine reason."""

    def __init__(self, message: str, reason: str = "invalid") -> None:
        super().__init__(message)
        self.reason = reason


def check_purpose(purpose: Any) -> str:
    """The stripped purpose; raises BadPurpose (the national sharing rules ask for one,
    at most 200 characters)."""
    if purpose is None or (isinstance(purpose, str) and not purpose.strip()):
        raise BadPurpose("purpose is required", "required")
    if not isinstance(purpose, str):
        raise BadPurpose("purpose must be text", "not_text")
    purpose = purpose.strip()
    if len(purpose) > MAX_PURPOSE:
        raise BadPurpose(f"purpose is at most {MAX_PURPOSE} characters", "too_long")
    if not purpose.isprintable():
        raise BadPurpose("purpose contains control characters", "control_characters")
    return purpose


def check_staff(staff: Any) -> str | None:
    """The (decoded) staff member value or None; raises BadStaff if unusable: more than
    100 characters, control characters, or not text."""
    if staff is None or staff == "":
        return None
    if not isinstance(staff, str):
        raise BadStaff("X-Onegate-Staff must be text", "not_text")
    if len(staff) > MAX_STAFF:
        raise BadStaff(f"X-Onegate-Staff is at most {MAX_STAFF} characters", "too_long")
    if not staff.isprintable():
        raise BadStaff("X-Onegate-Staff contains control characters", "control_characters")
    return staff.strip() or None


@dataclass(frozen=True)
class Clerk:
    """The clerk of a 代办 token, as the provider verified them."""

    sub: str
    name: str
    station: str


def clerk_of(claims: Mapping[str, Any]) -> Clerk | None:
    """The acting clerk of a token issued under a mandate, else None. Only a token
    with ``cn_mandate`` counts: an enterprise's ``act`` names a representative, not
    staff."""
    act, mandate = claims.get("act"), claims.get("cn_mandate")
    if not isinstance(act, dict) or not isinstance(mandate, dict):
        return None
    sub, name, station = act.get("sub"), act.get("cn_staff_name"), act.get("cn_station")
    if not all(isinstance(v, str) and v for v in (sub, name, station)):
        return None
    return Clerk(sub[:64], name[:MAX_STAFF], station[:200])


@dataclass(frozen=True)
class Use:
    """One use to record. ``staff`` is the department's own statement, or with
    ``clerk`` the verified clerk's name (see ``staff_source``); ``holder_code`` the
    stored record's holder number."""

    kind: str
    client_id: str
    staff: str | None
    licence_identifier: str
    holder_code: str | None
    purpose: str
    result: str | None = None
    clerk: Clerk | None = None

    @property
    def staff_source(self) -> str | None:
        if self.clerk is not None:
            return VERIFIED_CLERK
        return STATED_BY_DEPARTMENT if self.staff else None


def by(kind: str, client_id: str, staff: str | None, clerk: Clerk | None,
       purpose: str) -> Use:
    """A use about to happen (licence and result filled in later): a verified clerk's
    name replaces any stated one."""
    return Use(kind, client_id, clerk.name if clerk else staff, "", None, purpose, None, clerk)


def holder_of(session: Session, identifier: str) -> str | None:
    """The holder number the issuer stored for a licence, None if we hold no record."""
    return session.scalar(select(Licence.holder_number)
                          .where(Licence.identifier == identifier))


def record(session: Session, use: Use) -> UseRecord:
    """Store the use and append it to the audit chain, in the caller's transaction."""
    return record_many(session, [use])[0]


def record_many(session: Session, batch: list[Use]) -> list[UseRecord]:
    """Store several uses and append them to the audit chain in one batch (one read of
    the chain head, one flush), in the caller's transaction."""
    if not batch:
        return []
    at = datetime.now(UTC)
    rows = [UseRecord(at=at, kind=use.kind, client_id=use.client_id, staff=use.staff,
                      staff_source=use.staff_source, licence_identifier=use.licence_identifier,
                      holder_code=use.holder_code, purpose=use.purpose, result=use.result,
                      actor_sub=use.clerk.sub if use.clerk else None,
                      station=use.clerk.station if use.clerk else None)
            for use in batch]
    session.add_all(rows)
    # The actor is the authenticated client; a staff name is only its statement, so it
    # goes into the data, labelled, never into the actor.
    audit_log.append_many(session, [
        {"actor": f"client:{use.client_id}", "action": f"licence.{use.kind}",
         "subject": use.licence_identifier, "data": _audit_data(use)} for use in batch], at=at)
    return rows


def _audit_data(use: Use) -> dict[str, Any]:
    data: dict[str, Any] = {"purpose": use.purpose, "result": use.result}
    if use.staff:
        data["staff"] = {"name": use.staff, "source": use.staff_source}
    if use.clerk:
        data["staff"].update(sub=use.clerk.sub, station=use.clerk.station)
    return data


def for_holder(session: Session, holder_code: str, limit: int = 100, offset: int = 0,
               names: Callable[[Session, Collection[str]], Mapping[str, str]] | None = None,
               ) -> list[dict[str, Any]]:
    """The holder's uses, newest first, ``limit`` of them from ``offset``. Each carries
    ``client_name``, the department's or hall's name from ``names`` (None when the
    client is no longer registered): a person is shown names, never client ids."""
    rows = list(session.scalars(select(UseRecord).where(UseRecord.holder_code == holder_code)
                                .order_by(UseRecord.at.desc(), UseRecord.id.desc())
                                .offset(offset).limit(limit)))
    known = names(session, {r.client_id for r in rows}) if names and rows else {}
    return [{"at": _iso(r.at), "kind": r.kind, "client_id": r.client_id,
             "client_name": known.get(r.client_id), "staff": r.staff,
             "staff_source": r.staff_source, "station": r.station,
             "licence_identifier": r.licence_identifier,
             "purpose": r.purpose, "result": r.result} for r in rows]


def for_licence(session: Session, identifier: str, limit: int = 100) -> list[dict[str, Any]]:
    """The licence's uses, newest first, at most ``limit`` (operators' view: the
    credentials console and CLI get it from the composition root)."""
    rows = session.scalars(select(UseRecord)
                           .where(UseRecord.licence_identifier == identifier)
                           .order_by(UseRecord.at.desc(), UseRecord.id.desc()).limit(limit))
    return [{"at": _iso(r.at), "kind": r.kind, "client_id": r.client_id, "staff": r.staff,
             "staff_source": r.staff_source, "actor_sub": r.actor_sub, "station": r.station,
             "purpose": r.purpose, "result": r.result}
            for r in rows]


def _iso(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")
