"""Finding licences for operators: by identifier, holder (ID number or credit code),
type, department and status, paged, within the departments the operator may see.

A department administrator's scope is their department's code; a platform operator's
is None (every department). A licence outside the scope is reported as not found, so
a scope never reveals whether another department's licence exists.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from credentials import lifecycle
from credentials.errors import FieldError, NotFound, ValidationFailed
from credentials.models import STATES, Licence

DEFAULT_LIMIT, MAX_LIMIT = 50, 200
#: None: every department (platform operators); else the department codes in scope.
Scope = Collection[str] | None


@dataclass(frozen=True)
class LicenceQuery:
    """What to look for; every given criterion must hold."""

    identifier: str | None = None
    holder: str | None = None
    type_code: str | None = None
    department: str | None = None
    state: str | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0


@dataclass(frozen=True)
class Page:
    items: list[Licence]
    total: int
    limit: int
    offset: int


def check(query: LicenceQuery) -> LicenceQuery:
    """Raises ValidationFailed naming every unusable criterion."""
    errors = []
    if query.identifier:
        try:
            lifecycle.check_identifier(query.identifier)
        except ValidationFailed as exc:
            errors += [FieldError("identifier", e.reason, e.message) for e in exc.errors]
    if query.holder and (len(query.holder) != 18 or not query.holder.isalnum()):
        errors.append(FieldError("holder", "bad_format", "an 18-character ID number or USCC"))
    if query.state and query.state not in STATES:
        errors.append(FieldError("state", "not_allowed", ", ".join(STATES)))
    if not 1 <= query.limit <= MAX_LIMIT:
        errors.append(FieldError("limit", "out_of_range", f"1-{MAX_LIMIT}"))
    if query.offset < 0:
        errors.append(FieldError("offset", "out_of_range", ">= 0"))
    if errors:
        raise ValidationFailed("the search is not valid", errors)
    return query


def search(session: Session, query: LicenceQuery, *, scope: Scope) -> Page:
    """Licences matching ``query`` within ``scope``, newest first.

    Raises ValidationFailed (see ``check``)."""
    check(query)
    conditions = _conditions(query, scope)
    total = session.scalar(select(func.count()).select_from(Licence).where(*conditions))
    rows = session.scalars(select(Licence).where(*conditions)
                           .order_by(Licence.issued_at.desc(), Licence.identifier)
                           .limit(query.limit).offset(query.offset))
    return Page(list(rows), int(total or 0), query.limit, query.offset)


def _conditions(query: LicenceQuery, scope: Scope) -> list[Any]:
    conditions: list[Any] = []
    if scope is not None:
        conditions.append(Licence.department_code.in_(list(scope)))
    if query.identifier:
        conditions.append(Licence.identifier == query.identifier)
    if query.holder:
        # Both holder code types, so the (code type, number) index serves the lookup.
        conditions += [Licence.holder_code_type.in_(["111", "001"]),
                       Licence.holder_number == query.holder.upper()]
    if query.type_code:
        conditions.append(Licence.type_code == query.type_code)
    if query.department:
        conditions.append(Licence.department_code == query.department)
    if query.state:
        conditions.append(Licence.state == query.state)
    return conditions


def get_in_scope(session: Session, identifier: str, scope: Scope, *,
                 for_update: bool = False) -> Licence:
    """The licence, if within ``scope``. Raises ValidationFailed (malformed identifier)
    or NotFound (no such licence, or outside the scope: the same answer)."""
    licence = lifecycle.get_licence(session, identifier, for_update=for_update)
    if scope is not None and licence.department_code not in scope:
        raise NotFound("no licence with this identifier", [FieldError("id", "not_found")])
    return licence


def summary(licence: Licence) -> dict[str, Any]:
    """A licence as search results show it (no signed forms, no claims)."""
    return {"identifier": licence.identifier, "type": licence.type_code,
            "type_version": licence.type_version, "department": licence.department_code,
            "holder_code_type": licence.holder_code_type, "holder_number": licence.holder_number,
            "holder_name": licence.holder_name, "state": licence.state,
            "state_reason": licence.state_reason, "issued_at": iso(licence.issued_at),
            "valid_until": iso(licence.valid_until), "version": licence.version}


def iso(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None
