"""The OpenAPI description of the public catalogue (``GET /api/v1/types``,
``GET /api/v1/types/{code}``), registered as a fragment of the credentials document
(credentials.api) so credentials.openapi stays one concept per module."""

from __future__ import annotations

from typing import Any

from credentials.openapi import (
    TYPE_CODE_PATTERN,
    json_response,
    operation,
    problem_response,
    schema_ref,
)
from credentials.openapi_docs import Doc, annotate

_STRING = {"type": "string"}
_NAMES = {"type": "array", "items": _STRING}
_EXAMPLE_SCHEMA = {"type": "object", "properties": {
    "permit_number": {"type": "string", "title": "许可证编号", "pattern": "^JY[0-9]{14}$",
                      "examples": ["JY14401060000001"]},
    "business_scope": {"type": "string", "title": "经营项目"}},
    "required": ["permit_number"], "additionalProperties": False}
_EXAMPLE_DEFINITION = {
    "version": 2, "vct": "https://onegate.example/types/11440000MB2C93695L002/versions/2",
    "name_zh": "食品经营许可证", "name_en": "Food business permit", "validity_days": 1825,
    "json_schema": _EXAMPLE_SCHEMA, "always_disclosed": ["holder_name", "permit_number"],
    "selectively_disclosable": ["holder_id", "business_scope"],
    "offline_claims": ["permit_number"]}
_EXAMPLE_SUMMARY = {
    "code": "11440000MB2C93695L002", "status": "active", "retired_at": None,
    "holder_kind": "enterprise",
    "issuing_departments": [{"code": "scjg",
                             "issuer": "https://onegate.example/issuers/scjg"}],
    "current": _EXAMPLE_DEFINITION, "versions": [1, 2]}
_CACHING = ("Published bytes with a strong `ETag` and `Cache-Control: public, max-age=300`; "
            "send `If-None-Match` to get 304. A change (new version, retirement, issuers) "
            "shows within seconds.")
_HEADERS = {"ETag": {"schema": _STRING, "description": "Strong validator of the body"},
            "Cache-Control": {"schema": _STRING, "description": "public, max-age=300"}}


def _definition(with_created: bool) -> dict[str, Any]:
    properties = {
        "version": {"type": "integer", "minimum": 1,
                    "description": "Type version (not the identifier's licence edition)"},
        "vct": {"type": "string", "format": "uri", "description":
                "The SD-JWT VC `vct` of licences issued under this version: "
                "<issuer>/types/<code> for version 1, "
                "<issuer>/types/<code>/versions/<n> after"},
        "name_zh": _STRING, "name_en": _STRING,
        "validity_days": {"type": "integer", "minimum": 1},
        "json_schema": {"type": "object", "description":
                        "JSON Schema (Draft 2020-12) of the type's own claims"},
        "always_disclosed": {**_NAMES, "description": "Plaintext in every SD-JWT VC"},
        "selectively_disclosable": {**_NAMES, "description": "Disclosures the holder chooses"},
        "offline_claims": {**_NAMES, "description": "Carried in the offline QR (LIC1:)"},
    }
    if with_created:
        properties["created_at"] = {"type": "string", "format": "date-time"}
    return {"type": "object", "additionalProperties": False,
            "required": sorted(properties), "properties": properties}


def schemas() -> dict[str, Any]:
    department = {"type": "object", "additionalProperties": False,
                  "required": ["code", "issuer"],
                  "properties": {"code": _STRING, "issuer": {"type": "string", "format": "uri"}}}
    summary = {
        "code": {"type": "string", "pattern": TYPE_CODE_PATTERN},
        "status": {"enum": ["active", "retired"], "description":
                   "retired: issues no more; its licences still verify"},
        "retired_at": {"type": ["string", "null"], "format": "date-time"},
        "holder_kind": {"enum": ["person", "enterprise"]},
        "issuing_departments": {"type": "array", "items": schema_ref("CatalogueDepartment"),
                                "description": "May issue it now"},
        "current": schema_ref("TypeVersion"),
        "versions": {"type": "array", "items": {"type": "integer"}}}
    detail = {**summary,
              "retired_reason": {"type": ["string", "null"]},
              "former_departments": {"type": "array", "items": schema_ref("CatalogueDepartment"),
                                     "description": "Issued it once; their licences verify"},
              "versions": {"type": "array", "items": schema_ref("TypeVersionRecord"),
                           "description": "Every version, oldest first"}}
    return {
        "CatalogueDepartment": department,
        "TypeVersion": _definition(False),
        "TypeVersionRecord": _definition(True),
        "TypeSummary": {"type": "object", "additionalProperties": False,
                        "required": sorted(summary), "properties": summary,
                        "examples": [_EXAMPLE_SUMMARY]},
        "TypeDetail": {"type": "object", "additionalProperties": False,
                       "required": sorted(detail), "properties": detail},
        "TypeList": {"type": "object", "additionalProperties": False, "required": ["types"],
                     "properties": {"types": {"type": "array",
                                              "items": schema_ref("TypeSummary")}},
                     "examples": [{"types": [_EXAMPLE_SUMMARY]}]},
    }


_DETAIL = {**_EXAMPLE_SUMMARY, "retired_reason": None, "former_departments": [],
           "versions": [{**_EXAMPLE_DEFINITION, "version": 1,
                         "vct": "https://onegate.example/types/11440000MB2C93695L002",
                         "created_at": "2026-03-02T01:00:00Z"},
                        {**_EXAMPLE_DEFINITION, "created_at": "2026-09-15T02:30:00Z"}]}
_DOCS = {
    ("/api/v1/types", "get"): Doc(
        "证照目录",
        "公开接口，无需令牌。列出全部证照类型：状态（在用或已停发）、可签发的部门与当前版本。",
        responses={"200": {"types": [_EXAMPLE_SUMMARY]}}, notes={"200": "食品经营许可证"}),
    ("/api/v1/types/{code}", "get"): Doc(
        "一个证照类型的全部版本",
        "公开接口，无需令牌。含每个版本的信息项 Schema 与披露规则，"
        "以及曾经签发过该类型的部门。",
        responses={"200": _DETAIL}, notes={"200": "食品经营许可证的两个版本"}),
}


def _ok(name: str) -> dict[str, Any]:
    return {**json_response(schema_ref(name)), "headers": _HEADERS}


def paths() -> dict[str, Any]:
    code = {"name": "code", "in": "path", "required": True,
            "description": "Licence type code (18-character credit code + 3 digits)",
            "schema": {"type": "string", "pattern": TYPE_CODE_PATTERN},
            "example": "11440000MB2C93695L002"}
    not_modified = {"304": {"description": "Not modified (If-None-Match)"}}
    public = {"security": None, "tags": ("catalogue",)}
    return annotate({
        "/api/v1/types": {"get": {**operation(
            "The licence catalogue: every type, its status, issuers and current version",
            {"200": _ok("TypeList"), **not_modified}, **public), "description": _CACHING}},
        "/api/v1/types/{code}": {"get": {**operation(
            "One licence type with every version's schema and disclosure rules",
            {"200": _ok("TypeDetail"), **not_modified,
             "404": problem_response("No such licence type (problem `not-found`)")},
            params=[code], **public), "description": _CACHING}},
    }, _DOCS)


def fragment(_issuer: str) -> dict[str, Any]:
    """The fragment credentials.api registers on the service's OpenAPI fragments."""
    return {"paths": paths(), "components": {"schemas": schemas()},
            "tags": [{"name": "catalogue", "description":
                      "Licence types, their versions and disclosure rules (public)"}]}
