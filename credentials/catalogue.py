"""The catalogue: departments (issuers), their OAuth clients, and licence types.

Functions take an open SQLAlchemy session (the caller owns the transaction) and
raise ``errors.ValidationFailed`` naming the offending fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from sqlalchemy import select
from sqlalchemy.orm import Session

import keys
from credentials import layout
from credentials.errors import FieldError, NotFound, ValidationFailed
from credentials.models import Department, DepartmentClient, LicenceType, LicenceTypeVersion
from edge.timestamps import utcnow
from identifiers import InvalidIdentifier, validate_uscc

SIGNING_ALG = "ES256"
HOLDER_KINDS = ("person", "enterprise")
_TYPE_CODE = re.compile(r"[0-9A-Z]{18}[0-9]{3}\Z")
_MAX_VALIDITY_DAYS = 100 * 366


# -- departments ----------------------------------------------------------------


def create_department(sessions: Any, keyring: Any, *, code: str, name: str,
                      uscc: str) -> Department:
    """Register an issuer in its own transaction, then make sure its ES256 key exists.

    The key ring writes through its own sessions, so the key is created after our
    commit (on SQLite a nested writer would wait on our lock). Raises ValidationFailed.
    """
    with sessions.begin() as session:
        row = add_department(session, code=code, name=name, uscc=uscc)
    keyring.ensure(keys.department(code), SIGNING_ALG)
    return row


def add_department(session: Session, *, code: str, name: str, uscc: str) -> Department:
    """Register an issuer in the caller's transaction (no key: see create_department).

    Raises ValidationFailed."""
    errors = _department_errors(code, name, uscc)
    if not errors and session.get(Department, code) is not None:
        errors.append(FieldError("code", "already_exists"))
    if not errors and session.scalar(select(Department).where(Department.uscc == uscc.upper())):
        errors.append(FieldError("uscc", "already_exists"))
    if errors:
        raise ValidationFailed("the department is not valid", errors)
    row = Department(code=code, name=name.strip(), uscc=uscc.upper())
    session.add(row)
    session.flush()
    return row


def _department_errors(code: Any, name: Any, uscc: Any) -> list[FieldError]:
    errors = []
    try:
        keys.department(code)
    except (ValueError, TypeError):
        errors.append(FieldError("code", "bad_format", "letters, digits, _ . - (max 120)"))
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        errors.append(FieldError("name", "required", "1-200 characters"))
    errors += _uscc_errors("uscc", uscc)
    return errors


def _uscc_errors(field_name: str, value: Any) -> list[FieldError]:
    try:
        validate_uscc(value)
    except InvalidIdentifier as exc:
        return [FieldError(field_name, exc.reason, str(exc))]
    except TypeError:
        return [FieldError(field_name, "wrong_type")]
    return []


def get_department(session: Session, code: str) -> Department:
    """Raises NotFound."""
    row = session.get(Department, code) if isinstance(code, str) else None
    if row is None:
        raise NotFound(f"no department {code!r}")
    return row


def get_department_or_none(session: Session, code: str) -> Department | None:
    return session.get(Department, code) if isinstance(code, str) else None


def list_departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.code)))


def add_client(session: Session, department_code: str, client_id: str) -> DepartmentClient:
    """Let an OAuth client act for a department. Raises NotFound or ValidationFailed."""
    get_department(session, department_code)
    if not isinstance(client_id, str) or not 1 <= len(client_id) <= 64:
        raise ValidationFailed("bad client_id", [FieldError("client_id", "bad_format")])
    existing = session.get(DepartmentClient, client_id)
    if existing is not None and existing.department_code != department_code:
        raise ValidationFailed("the client already acts for another department",
                               [FieldError("client_id", "already_assigned")])
    if existing is None:
        existing = DepartmentClient(client_id=client_id, department_code=department_code)
        session.add(existing)
        session.flush()
    return existing


def department_of_client(session: Session, client_id: str) -> str | None:
    row = session.get(DepartmentClient, client_id)
    return row.department_code if row else None


# -- licence types ----------------------------------------------------------------


@dataclass
class TypeSpec:
    """What an operator registers for a licence type (``onegate types add``)."""

    code: str
    name_zh: str
    name_en: str
    departments: list[str]
    holder_kind: str
    validity_days: int
    json_schema: dict[str, Any]
    always_disclosed: list[str] = field(default_factory=list)
    disclosable: list[str] = field(default_factory=list)
    offline_claims: list[str] = field(default_factory=list)


def add_type(session: Session, spec: TypeSpec, *, actor: str = "system") -> LicenceType:
    """Register a licence type and its version 1. Raises ValidationFailed naming every
    bad field."""
    errors = type_errors(spec)
    errors += [FieldError("departments", "unknown_department", code)
               for code in spec.departments if not errors and session.get(Department, code) is None]
    if not errors and session.get(LicenceType, spec.code) is not None:
        errors.append(FieldError("code", "already_exists"))
    if errors:
        raise ValidationFailed("the licence type is not valid", errors)
    row = LicenceType(
        code=spec.code, name_zh=spec.name_zh, name_en=spec.name_en,
        departments=list(dict.fromkeys(spec.departments)), holder_kind=spec.holder_kind,
        validity_days=spec.validity_days, json_schema=spec.json_schema,
        always_disclosed=list(spec.always_disclosed), disclosable=_disclosable(spec),
        offline_claims=list(spec.offline_claims), version=1, status="active",
        former_departments=[], updated_at=utcnow())
    session.add(row)
    session.flush()
    session.add(version_row(row, actor))
    session.flush()
    return row


def version_row(row: LicenceType, actor: str) -> LicenceTypeVersion:
    """The immutable record of ``row``'s current definition (its ``version``)."""
    return LicenceTypeVersion(
        type_code=row.code, version=row.version, name_zh=row.name_zh, name_en=row.name_en,
        validity_days=row.validity_days, always_disclosed=list(row.always_disclosed),
        disclosable=list(row.disclosable), offline_claims=list(row.offline_claims),
        json_schema=row.json_schema, created_by=actor[:200])


def disclosable_of(spec: TypeSpec) -> list[str]:
    """The selectively disclosable claims of a valid spec: those it names, and every
    claim it does not name at all."""
    return _disclosable(spec)


def _disclosable(spec: TypeSpec) -> list[str]:
    # Privacy by default: a claim the type does not mention is selectively disclosable.
    named = set(spec.always_disclosed) | set(spec.disclosable)
    rest = [n for n in [*layout.HOLDER_CLAIMS, *spec.json_schema.get("properties", {})]
            if n not in named]
    return list(dict.fromkeys([*spec.disclosable, *rest]))


def type_errors(spec: TypeSpec) -> list[FieldError]:
    """Everything wrong with a type spec (shape, codes, schema, claim lists)."""
    errors = _type_code_errors(spec.code)
    for name in ("name_zh", "name_en"):
        value = getattr(spec, name)
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            errors.append(FieldError(name, "required", "1-200 characters"))
    if spec.holder_kind not in HOLDER_KINDS:
        errors.append(FieldError("holder_kind", "not_allowed", "person or enterprise"))
    if (isinstance(spec.validity_days, bool) or not isinstance(spec.validity_days, int)
            or not 1 <= spec.validity_days <= _MAX_VALIDITY_DAYS):
        errors.append(FieldError("validity_days", "out_of_range", f"1-{_MAX_VALIDITY_DAYS}"))
    if not isinstance(spec.departments, list) or not spec.departments:
        errors.append(FieldError("departments", "required"))
    errors += _schema_errors(spec.json_schema)
    if not errors:
        errors += _claim_list_errors(spec)
    return errors


def _type_code_errors(code: Any) -> list[FieldError]:
    if not isinstance(code, str) or not _TYPE_CODE.match(code):
        return [FieldError("code", "bad_format", "18-character credit code + 3 digits")]
    return [FieldError("code", e.reason, e.message) for e in _identifier_errors(code[:18])]


def _identifier_errors(value: str) -> list[InvalidIdentifier]:
    try:
        validate_uscc(value)
    except InvalidIdentifier as exc:
        return [exc]
    return []


def _schema_errors(schema: Any) -> list[FieldError]:
    if not isinstance(schema, dict):
        return [FieldError("json_schema", "wrong_type", "a JSON object")]
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return [FieldError("json_schema", "invalid_schema", exc.message[:300])]
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        return [FieldError("json_schema", "not_an_object_schema",
                           'needs "type": "object" and "properties"')]
    clash = sorted(set(schema["properties"]) & layout.RESERVED)
    return [FieldError(f"json_schema.properties.{n}", "reserved_name") for n in clash]


def _claim_list_errors(spec: TypeSpec) -> list[FieldError]:
    known = set(spec.json_schema["properties"]) | set(layout.HOLDER_CLAIMS)
    errors = []
    for list_name in ("always_disclosed", "disclosable", "offline_claims"):
        names = getattr(spec, list_name)
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            errors.append(FieldError(list_name, "wrong_type"))
            continue
        errors += [FieldError(list_name, "unknown_claim", n) for n in names if n not in known]
    if not errors:
        both = set(spec.always_disclosed) & set(spec.disclosable)
        errors += [FieldError("disclosable", "also_always_disclosed", n) for n in sorted(both)]
        secret = set(spec.offline_claims) - set(spec.always_disclosed) - set(layout.HOLDER_CLAIMS)
        # The offline QR is shown to anyone: it carries only always-disclosed claims.
        errors += [FieldError("offline_claims", "not_always_disclosed", n)
                   for n in sorted(secret)]
    return errors


def get_type(session: Session, code: Any) -> LicenceType | None:
    return session.get(LicenceType, code) if isinstance(code, str) and len(code) == 21 else None


def list_types(session: Session) -> list[LicenceType]:
    return list(session.scalars(select(LicenceType).order_by(LicenceType.code)))
