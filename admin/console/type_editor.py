"""The schema editor behind the console's catalogue pages: a type definition typed as
JSON (credentials.type_definition), checked and previewed as a sample licence
(credentials.type_preview), with every problem named by its field."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from credentials import catalogue_json, type_definition, type_preview
from credentials.errors import CredentialsError, FieldError
from credentials.models import LicenceType

#: The largest definition the editor takes (characters): far above any real type.
MAX_TEXT = 200_000


@dataclass
class Edited:
    """What the editor shows: the text, its parsed definition, field errors, a preview."""

    text: str
    definition: Any = None
    errors: list[FieldError] = field(default_factory=list)
    preview: dict[str, Any] | None = None


def parse(text: str | None) -> Edited:
    """The editor's text as JSON; a parse error is a field error of ``definition``."""
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        return Edited(text[:MAX_TEXT], errors=[FieldError("definition", "too_long",
                                                          f"at most {MAX_TEXT} characters")])
    try:
        return Edited(text, json.loads(text))
    except ValueError as exc:
        return Edited(text, errors=[FieldError("definition", "not_json", str(exc)[:200])])


def previewed(edited: Edited, issuer: str, *, for_version_of: LicenceType | None = None
              ) -> Edited:
    """``edited`` with its preview, or with the errors that prevent one. A new version's
    definition is completed with what the type fixes (code, issuers, holder kind)."""
    if edited.errors:
        return edited
    try:
        definition = edited.definition
        if for_version_of is not None:
            row = for_version_of
            definition = type_definition.as_json(type_definition.of_version(
                row.code, list(row.departments), row.holder_kind, definition))
        edited.preview = type_preview.preview(definition, issuer).to_json()
    except CredentialsError as exc:
        edited.errors = exc.errors or [FieldError("definition", exc.slug, exc.detail)]
    return edited


def new_type_template(departments: list[str]) -> str:
    """The editor's starting text for a new type."""
    return _pretty({
        "code": "", "name_zh": "", "name_en": "", "holder_kind": "enterprise",
        "validity_days": 1825, "departments": departments,
        "json_schema": {"$schema": "https://json-schema.org/draft/2020-12/schema",
                        "type": "object", "additionalProperties": False,
                        "properties": {"permit_number": {"type": "string", "title": "许可证编号",
                                                         "examples": ["JY0000000000001"]}},
                        "required": ["permit_number"]},
        "always_disclosed": ["holder_name", "permit_number"], "disclosable": ["holder_id"],
        "offline_claims": ["permit_number"]})


def version_template(row: LicenceType) -> str:
    """The editor's starting text for a new version: the current definition."""
    return _pretty({"name_zh": row.name_zh, "name_en": row.name_en,
                    "validity_days": row.validity_days, "json_schema": row.json_schema,
                    "always_disclosed": list(row.always_disclosed),
                    "disclosable": list(row.disclosable),
                    "offline_claims": list(row.offline_claims)})


def pretty(value: Any) -> str:
    return _pretty(value)


def _pretty(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


iso = catalogue_json.iso
