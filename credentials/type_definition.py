"""A licence type's definition as operators write it (a JSON file for ``onegate types
preview|add-version``, the console's schema editor), read into a ``TypeSpec``.

The definition is a JSON object::

    {"code": "<18-char credit code + 3 digits>",     # optional for a preview
     "name_zh": "...", "name_en": "...",
     "holder_kind": "person" | "enterprise",
     "validity_days": 1825,
     "departments": ["scjg"],                          # optional for a preview
     "json_schema": {"type": "object", "properties": {...}, ...},
     "always_disclosed": [...], "disclosable": [...], "offline_claims": [...]}

Reading only checks the shape (each member's JSON type, no unknown members);
``catalogue.type_errors`` checks the content.
"""

from __future__ import annotations

from typing import Any

from credentials.catalogue import TypeSpec
from credentials.errors import FieldError, ValidationFailed

#: member -> (JSON type name, Python types, default when omitted or None when required)
MEMBERS: dict[str, tuple[str, tuple[type, ...], Any]] = {
    "code": ("string", (str,), ""),
    "name_zh": ("string", (str,), None),
    "name_en": ("string", (str,), None),
    "holder_kind": ("string", (str,), None),
    "validity_days": ("integer", (int,), None),
    "departments": ("array", (list,), []),
    "json_schema": ("object", (dict,), None),
    "always_disclosed": ("array", (list,), []),
    "disclosable": ("array", (list,), []),
    "offline_claims": ("array", (list,), []),
}
#: A preview needs no code: it is shown under this placeholder (a valid type code).
PREVIEW_CODE = "91350100M000100Y43001"


def read(definition: Any, *, for_preview: bool = False) -> TypeSpec:
    """The TypeSpec a definition describes (content not yet checked).

    Raises ValidationFailed naming every missing, unknown or mistyped member.
    """
    if not isinstance(definition, dict):
        raise ValidationFailed("a type definition is a JSON object",
                               [FieldError("definition", "wrong_type", "a JSON object")])
    errors = [FieldError(str(name)[:64], "unknown_field") for name in definition
              if name not in MEMBERS]
    values: dict[str, Any] = {}
    for name, (json_type, kinds, default) in MEMBERS.items():
        value = definition.get(name, default)
        if value is None:
            errors.append(FieldError(name, "required"))
        elif not isinstance(value, kinds) or isinstance(value, bool):
            errors.append(FieldError(name, "wrong_type", f"a JSON {json_type}"))
        values[name] = value
    if errors:
        raise ValidationFailed("the type definition is not valid", errors)
    if for_preview:
        values["code"] = values["code"] or PREVIEW_CODE
        values["departments"] = values["departments"] or ["preview"]
    return TypeSpec(**values)


def of_version(code: str, departments: list[str], holder_kind: str,
               definition: Any) -> TypeSpec:
    """A new version's definition completed with what versions do not change (code,
    departments, holder kind). Raises ValidationFailed, also when the definition tries
    to change those."""
    if isinstance(definition, dict):
        fixed = [FieldError(name, "fixed_by_type", "a new version keeps the type's "
                                                   + name.replace("_", " "))
                 for name, kept in (("code", code), ("holder_kind", holder_kind))
                 if name in definition and definition[name] != kept]
        if "departments" in definition:
            fixed.append(FieldError("departments", "fixed_by_type",
                                    "use types allow/disallow to change the issuers"))
        if fixed:
            raise ValidationFailed("a new version cannot change these", fixed)
        definition = {**definition, "code": code, "departments": list(departments),
                      "holder_kind": holder_kind}
    return read(definition)


def as_json(spec: TypeSpec) -> dict[str, Any]:
    """A definition as ``read`` takes it (round trip)."""
    return {name: getattr(spec, name) for name in MEMBERS}
