"""The catalogue as the public reads it (``GET /api/v1/types``, ``/api/v1/types/{code}``
and the SD-JWT VC Type Metadata at each ``vct`` URL): plain JSON built from the rows."""

from __future__ import annotations

from typing import Any

from credentials import layout
from credentials.models import LicenceType, LicenceTypeVersion


def iso(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def definition(issuer: str, row: LicenceType | LicenceTypeVersion, code: str,
               version: int) -> dict[str, Any]:
    """One version's definition: names, schema, disclosure rules, its ``vct``."""
    return {"version": version, "vct": layout.vct(issuer, code, version),
            "name_zh": row.name_zh, "name_en": row.name_en,
            "validity_days": row.validity_days, "json_schema": row.json_schema,
            "always_disclosed": list(row.always_disclosed),
            "selectively_disclosable": list(row.disclosable),
            "offline_claims": list(row.offline_claims)}


def summary(issuer: str, row: LicenceType, version_numbers: list[int]) -> dict[str, Any]:
    """A type as listed: its status, issuers, current definition and version numbers."""
    return {"code": row.code, "status": row.status, "retired_at": iso(row.retired_at),
            "holder_kind": row.holder_kind,
            "issuing_departments": [{"code": c, "issuer": layout.issuer_url(issuer, c)}
                                    for c in row.departments],
            "current": definition(issuer, row, row.code, row.version),
            "versions": version_numbers}


def detail(issuer: str, row: LicenceType, versions: list[LicenceTypeVersion]
           ) -> dict[str, Any]:
    """A type with every version's definition (oldest first) and its former issuers,
    whose licences still verify."""
    return {**summary(issuer, row, [v.version for v in versions]),
            "retired_reason": row.retired_reason,
            "former_departments": [{"code": c, "issuer": layout.issuer_url(issuer, c)}
                                   for c in row.former_departments],
            "versions": [definition(issuer, v, row.code, v.version) | {
                "created_at": iso(v.created_at)} for v in versions]}


def vc_type_metadata(issuer: str, row: LicenceType, version: LicenceTypeVersion
                     ) -> dict[str, Any]:
    """SD-JWT VC Type Metadata of one version (what its ``vct`` URL serves)."""
    return {"vct": layout.vct(issuer, row.code, version.version), "version": version.version,
            "name": version.name_zh,
            "display": [{"lang": "zh-CN", "name": version.name_zh},
                        {"lang": "en", "name": version.name_en}],
            "holder_kind": row.holder_kind, "status": row.status,
            "issuers": [layout.issuer_url(issuer, c)
                        for c in [*row.departments, *row.former_departments]],
            "always_disclosed": list(version.always_disclosed),
            "selectively_disclosable": list(version.disclosable),
            "schema": version.json_schema,
            "current_vct": layout.vct(issuer, row.code, row.version)}
