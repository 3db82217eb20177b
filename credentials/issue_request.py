"""The shape of an issuance request (API item, import line), checked before the catalogue.

``parse_issue_request`` never trusts types: every field is checked and every problem
reported as a FieldError with a dotted path, so garbage cannot reach the database or
raise anything but ValidationFailed/MalformedRequest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from credentials.errors import FieldError, MalformedRequest, ValidationFailed

#: Date-only values are calendar days in China Standard Time.
CHINA = timezone(timedelta(hours=8))
MAX_NAME = 200
MAX_CLAIMS_BYTES = 16 * 1024
_FIELDS = {"type", "holder", "claims", "valid_from", "valid_until"}
_IMPORT_FIELDS = {"serial", "version"}


@dataclass(frozen=True)
class Holder:
    code_type: str
    number: str
    name: str


@dataclass(frozen=True)
class IssueRequest:
    """A well-formed request; the catalogue has not been consulted yet."""

    type_code: str
    holder: Holder
    claims: dict[str, Any]
    valid_from: datetime | None
    valid_until: datetime | None
    serial: str | None = None
    version: int | None = None

    def canonical(self) -> dict[str, Any]:
        """A JSON-able form that ignores key order (for idempotency hashes)."""
        return {"type": self.type_code, "holder": [self.holder.code_type, self.holder.number,
                                                   self.holder.name],
                "claims": self.claims, "valid_from": _iso(self.valid_from),
                "valid_until": _iso(self.valid_until), "serial": self.serial,
                "version": self.version}


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def parse_issue_request(body: Any, *, allow_import_fields: bool = False,
                        prefix: str = "") -> IssueRequest:
    """Check the shape of one request object.

    Raises MalformedRequest if ``body`` is not an object, ValidationFailed listing
    every bad field otherwise.
    """
    if not isinstance(body, dict):
        raise MalformedRequest("the request must be a JSON object",
                               [FieldError(prefix.rstrip(".") or "body", "not_an_object")])
    allowed = _FIELDS | (_IMPORT_FIELDS if allow_import_fields else set())
    errors = [FieldError(prefix + str(k)[:64], "unknown_field") for k in body if k not in allowed]
    type_code = _string(body.get("type"), prefix + "type", 21, errors)
    holder = _holder(body.get("holder"), prefix + "holder", errors)
    claims = _claims(body.get("claims"), prefix + "claims", errors)
    valid_from = _when(body.get("valid_from"), prefix + "valid_from", errors, end_of_day=False)
    valid_until = _when(body.get("valid_until"), prefix + "valid_until", errors, end_of_day=True)
    serial, version = _import_fields(body, prefix, errors) if allow_import_fields else (None, None)
    if errors:
        raise ValidationFailed("the request has invalid fields", errors)
    return IssueRequest(type_code, holder, claims, valid_from, valid_until, serial, version)


def _string(value: Any, name: str, limit: int, errors: list[FieldError]) -> str:
    if value is None:
        errors.append(FieldError(name, "required"))
    elif not isinstance(value, str):
        errors.append(FieldError(name, "wrong_type", "a string"))
    elif not value.strip():
        errors.append(FieldError(name, "required"))
    elif len(value) > limit:
        errors.append(FieldError(name, "too_long", f"at most {limit} characters"))
    elif not value.isprintable():
        errors.append(FieldError(name, "bad_character", "control characters"))
    else:
        return value
    return ""


def _holder(value: Any, name: str, errors: list[FieldError]) -> Holder:
    if not isinstance(value, dict):
        errors.append(FieldError(name, "required" if value is None else "wrong_type"))
        return Holder("", "", "")
    errors += [FieldError(f"{name}.{str(k)[:64]}", "unknown_field") for k in value
               if k not in ("code_type", "number", "name")]
    code_type = _string(value.get("code_type"), name + ".code_type", 3, errors)
    if code_type and code_type not in ("111", "001"):
        errors.append(FieldError(name + ".code_type", "not_allowed",
                                 "111 citizen ID number or 001 credit code"))
    number = _string(value.get("number"), name + ".number", 18, errors)
    holder_name = _string(value.get("name"), name + ".name", MAX_NAME, errors)
    return Holder(code_type, number, holder_name.strip())


def _claims(value: Any, name: str, errors: list[FieldError]) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.append(FieldError(name, "wrong_type", "a JSON object"))
        return {}
    try:
        size = len(json.dumps(value, ensure_ascii=False).encode("utf-8"))
    except (TypeError, ValueError, RecursionError):
        errors.append(FieldError(name, "wrong_type", "plain JSON values"))
        return {}
    if size > MAX_CLAIMS_BYTES:
        errors.append(FieldError(name, "too_large", f"at most {MAX_CLAIMS_BYTES} bytes"))
    return value


def _when(value: Any, name: str, errors: list[FieldError], *, end_of_day: bool) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 40:
        errors.append(FieldError(name, "wrong_type", "an RFC 3339 date or date-time string"))
        return None
    try:
        return _parse_time(value, end_of_day)
    except ValueError:
        errors.append(FieldError(name, "bad_date", "YYYY-MM-DD or RFC 3339 with an offset"))
        return None


def _parse_time(value: str, end_of_day: bool) -> datetime:
    if len(value) == 10:
        day = date.fromisoformat(value)
        moment = time(23, 59, 59) if end_of_day else time(0, 0)
        return datetime.combine(day, moment, tzinfo=CHINA)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("no offset")
    return parsed


def _import_fields(body: dict[str, Any], prefix: str,
                   errors: list[FieldError]) -> tuple[str | None, int | None]:
    serial = body.get("serial")
    if serial is not None and (not isinstance(serial, str) or not serial.isalnum()
                               or not serial.isascii() or not 1 <= len(serial) <= 16
                               or serial.upper() != serial):
        errors.append(FieldError(prefix + "serial", "bad_format", "1-16 characters of 0-9A-Z"))
        serial = None
    version = body.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)
                                or not 1 <= version <= 999):
        errors.append(FieldError(prefix + "version", "out_of_range", "1-999"))
        version = None
    return serial, version


def parse_reissue(body: dict[str, Any]) -> tuple[dict[str, Any], datetime | None, str]:
    """(claims, valid_until, reason) of a re-issue request. Raises ValidationFailed."""
    errors = [FieldError(str(k)[:64], "unknown_field") for k in body
              if k not in ("claims", "valid_until", "reason")]
    if not isinstance(body.get("claims"), dict):
        errors.append(FieldError("claims", "required"))
    claims = _claims(body.get("claims"), "claims", errors)
    valid_until = _when(body.get("valid_until"), "valid_until", errors, end_of_day=True)
    reason = body.get("reason", "re-issued with changed claims")
    if not isinstance(reason, str) or not 1 <= len(reason) <= 500 or not reason.isprintable():
        errors.append(FieldError("reason", "bad_format"))
    if errors:
        raise ValidationFailed("the re-issue request has invalid fields", errors)
    return claims, valid_until, reason
