"""A licence type's life in the catalogue: new versions, which departments may issue
it, retirement.

- A new version replaces the definition issuance uses (schema, disclosure rules,
  names, validity); every earlier version stays recorded, and a licence keeps the
  version it was issued under (``Licence.type_version``, and its ``vct``), so it
  verifies as issued. The GB/T 36904 identifier's 3-digit version field is the
  licence's own edition (a re-issue increments it), not the type's version.
- Disallowing a department stops its issuing; it is kept in ``former_departments``
  so the trust list still accepts the licences it issued while allowed (revoking
  them is a separate, explicit act).
- Retiring stops all issuance (re-issues included); licences issued before verify.

Every function works in the caller's transaction, appends its audit entry there
(``actor``; ``note`` adds to the entry's data, e.g. the CLI's OS user) and bumps the
type's ``updated_at`` (the published catalogue's stamp). Issuance caches types for
at most ``IssuerCache``'s ``catalogue_ttl`` (5 s): callers that can, forget the type
there once committed (``IssuerCache.forget_type``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit import log as audit_log
from credentials import catalogue, type_definition
from credentials.errors import FieldError, InvalidTransition, NotFound, ValidationFailed
from credentials.models import LicenceType, LicenceTypeVersion, utcnow

MAX_REASON = 500


def get(session: Session, code: Any, *, for_update: bool = False) -> LicenceType:
    """The type ``code``. Raises NotFound."""
    row = (session.get(LicenceType, code, with_for_update=True)
           if for_update and isinstance(code, str) else catalogue.get_type(session, code))
    if row is None:
        raise NotFound("no such licence type", [FieldError("code", "not_found")])
    return row


def versions(session: Session, code: str) -> list[LicenceTypeVersion]:
    """Every recorded version of the type, oldest first."""
    return list(session.scalars(select(LicenceTypeVersion)
                                .where(LicenceTypeVersion.type_code == code)
                                .order_by(LicenceTypeVersion.version)))


#: Versions are stored as 32-bit integers; a larger number names no version (and is
#: never sent to the database, which would refuse it with an error, not a miss).
MAX_VERSION = 2**31 - 1


def version_of(session: Session, code: str, version: int) -> LicenceTypeVersion | None:
    """The type's ``version``, or None (no such version, or a number out of range)."""
    if not 0 <= version <= MAX_VERSION:
        return None
    return session.get(LicenceTypeVersion, (code, version))


def create(session: Session, definition: Any, *, actor: str,
           note: dict | None = None) -> LicenceType:
    """Register a type (version 1) from a definition (credentials.type_definition, with
    its ``code`` and ``departments``). Raises ValidationFailed naming every bad field."""
    row = catalogue.add_type(session, type_definition.read(definition), actor=actor)
    _audit(session, actor, "type.add", row, {"departments": list(row.departments)}, note)
    return row


def add_version(session: Session, code: str, definition: Any, *, actor: str,
                note: dict | None = None) -> LicenceTypeVersion:
    """Make ``definition`` (see credentials.type_definition) the type's next version.

    Raises NotFound, InvalidTransition (the type is retired), ValidationFailed (naming
    every bad field; also when nothing changed).
    """
    row = get(session, code, for_update=True)
    _check_active(row, "add a version to")
    spec = type_definition.of_version(row.code, list(row.departments), row.holder_kind,
                                      definition)
    errors = catalogue.type_errors(spec)
    if errors:
        raise ValidationFailed("the new version is not valid", errors)
    new = {"name_zh": spec.name_zh.strip(), "name_en": spec.name_en.strip(),
           "validity_days": spec.validity_days, "json_schema": spec.json_schema,
           "always_disclosed": list(spec.always_disclosed),
           "disclosable": catalogue.disclosable_of(spec),
           "offline_claims": list(spec.offline_claims)}
    if all(getattr(row, name) == value for name, value in new.items()):
        raise ValidationFailed("the new version is the same as the current one",
                               [FieldError("definition", "unchanged")])
    for name, value in new.items():
        setattr(row, name, value)
    row.version += 1
    row.updated_at = utcnow()
    recorded = catalogue.version_row(row, actor)
    session.add(recorded)
    session.flush()
    _audit(session, actor, "type.add_version", row, {"version": row.version}, note)
    return recorded


def retire(session: Session, code: str, reason: Any, *, actor: str, now: datetime,
           note: dict | None = None) -> LicenceType:
    """Stop all issuance of the type. Raises NotFound, ValidationFailed (reason
    missing or unusable), InvalidTransition (already retired: 409, not repeated)."""
    reason = check_reason(reason)
    row = get(session, code, for_update=True)
    _check_active(row, "retire")
    row.status, row.retired_at, row.retired_reason = "retired", now, reason
    row.updated_at = now
    _audit(session, actor, "type.retire", row, {"reason": reason}, note)
    return row


def allow(session: Session, code: str, department_code: str, *, actor: str,
          note: dict | None = None) -> bool:
    """Let ``department_code`` issue the type; False if it already may.
    Raises NotFound (type or department)."""
    row = get(session, code, for_update=True)
    catalogue.get_department(session, department_code)
    if department_code in row.departments:
        return False
    row.departments = [*row.departments, department_code]
    row.former_departments = [d for d in row.former_departments if d != department_code]
    row.updated_at = utcnow()
    _audit(session, actor, "type.allow", row, {"department": department_code}, note)
    return True


def disallow(session: Session, code: str, department_code: str, *, actor: str,
             note: dict | None = None) -> bool:
    """Stop ``department_code`` issuing the type (its licences still verify); False if
    it may not issue it anyway. Raises NotFound, ValidationFailed (the last issuing
    department of an active type: retire the type instead)."""
    row = get(session, code, for_update=True)
    if department_code not in row.departments:
        return False
    if row.departments == [department_code] and row.status == "active":
        raise ValidationFailed("the type's only issuing department cannot be removed; "
                               "retire the type instead",
                               [FieldError("department", "last_issuer")])
    row.departments = [d for d in row.departments if d != department_code]
    row.former_departments = [*row.former_departments, department_code]
    row.updated_at = utcnow()
    _audit(session, actor, "type.disallow", row, {"department": department_code}, note)
    return True


def check_reason(reason: Any) -> str:
    """The stripped reason. Raises ValidationFailed (missing, too long, control
    characters)."""
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed("a reason is required", [FieldError("reason", "required")])
    if len(reason) > MAX_REASON or not reason.isprintable():
        raise ValidationFailed("the reason is too long or has control characters",
                               [FieldError("reason", "too_long" if len(reason) > MAX_REASON
                                           else "bad_character")])
    return reason.strip()


def _check_active(row: LicenceType, doing: str) -> None:
    if row.status == "retired":
        raise InvalidTransition(f"cannot {doing} a retired licence type",
                                [FieldError("status", "is_retired")])


def _audit(session: Session, actor: str, action: str, row: LicenceType, data: dict,
           note: dict | None) -> None:
    audit_log.append(session, actor=actor, action=action, subject=row.code,
                     data={**data, **(note or {})})
