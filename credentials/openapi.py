"""The OpenAPI 3.1 description of the credentials endpoints, served at /api/v1/openapi.json.

Kept as data next to the views; tests check that every route of the JSON blueprints
appears here. Other packages (verify) describe their own endpoints as fragments -
``{"paths": ..., "components": ...}`` or a callable taking the service URL and
returning one - registered on the service's ``Fragments`` (owned by
``CredentialsServices``); ``with_fragments`` merges them into this document
(credentials cannot import them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from credentials import openapi_docs, openapi_examples, public_reasons
from credentials.errors import PROBLEM_TYPES
from credentials.http_input import MAX_DEPTH, MAX_STRING
from credentials.openapi_locale import LANGUAGES, Translations

#: What the server checks of a licence identifier before looking it up; the check
#: character (ISO/IEC 7064 MOD 37,36) is beyond a pattern, and a wrong one is a 422.
LICENCE_ID_PATTERN = (r"^1\.2\.156\.3005\.2\.[0-9A-Z]{18}[0-9]{3}\.[0-9A-Z]{18}\."
                      r"[0-9A-Z]{1,64}\.[0-9]{3}\.[0-9A-Z]$")
TYPE_CODE_PATTERN = r"^[0-9A-Z]{18}[0-9]{3}$"
#: The JSON bodies of these endpoints refuse U+0000 in any string or member name, strings
#: longer than MAX_STRING and nesting below MAX_DEPTH (400).
NO_NUL = r"^[^\x00]*$"
NOT_BLANK = r"^[^\x00]*[^\x00\s][^\x00]*$"
ID = {"name": "id", "in": "path", "required": True, "description":
      "GB/T 36904 licence identifier (1.2.156.3005.2.<type>.<issuer>.<serial>.<version>.<check>)",
      "schema": {"type": "string", "maxLength": 120, "pattern": LICENCE_ID_PATTERN}}
CODE = {"name": "code", "in": "path", "required": True,
        "schema": {"type": "string", "maxLength": 64}}
IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
               "description": "Same key and same body: the same licence (replayed, header "
                              "Idempotent-Replayed). Same key, other body: 409. 1 to 200 "
                              "visible ASCII characters, else 422 naming the header.",
               "schema": {"type": "string", "minLength": 1, "maxLength": 200,
                          "pattern": r"^[\x21-\x7e]{1,200}$"}}
BATCH_RETRY = (
    "Items are stored in chunks of 200, each chunk in one transaction with its status-list "
    "slots, idempotency records and audit entries, so a crash leaves whole licences only. "
    "Send an `Idempotency-Key` and re-send the same batch with the same key after a timeout, "
    "a connection error or a 5xx: item *i* is keyed `<key>#<i>`, so the items stored before "
    "the failure come back as the same licences (`replayed: true`) and only the rest are "
    "issued. Without the key a re-sent batch issues new licences. The same key with another "
    "item at position *i* rejects that item (409 `idempotency-key-reused`). Keys are kept per "
    "client without expiry.")
PUBLIC_REASON_TEXT = (
    "The public reason of a suspension or revocation, shown by verifiers and in the "
    "holder's wallet: " + "; ".join(f"`{code}` {zh} ({en})" for code, (zh, en)
                                    in public_reasons.REASONS.items())
    + ". Another code is refused (422 naming `public_reason`).")
LANG = {"name": "lang", "in": "query", "required": False,
        "description": "The document in one language, for people (what /api/docs renders): "
                       "every summary and description in it, examples unchanged. Without "
                       "it, the canonical document",
        "schema": {"enum": list(LANGUAGES)}}
DEPT = [{"departmentToken": []}]
WALLET = [{"walletToken": []}]
ANY_TOKEN = [{"departmentToken": []}, {"walletToken": []}]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/problem+json": {"schema": _ref("Problem")}}}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": no_nul(schema)}}}


def no_nul(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with every string and member name refusing U+0000, as the JSON input
    of these endpoints does (``credentials.http_input``); references are left alone."""
    if "$ref" in schema:
        return schema
    out = dict(schema)
    types = out.get("type")
    types = set(types) if isinstance(types, list) else {types}
    if "string" in types:
        out.setdefault("pattern", NO_NUL)
        out.setdefault("maxLength", MAX_STRING)
    if "object" in types:
        out.setdefault("propertyNames", {"pattern": NO_NUL, "maxLength": MAX_STRING})
        out["properties"] = {k: no_nul(v) for k, v in out.get("properties", {}).items()}
        extra = out.get("additionalProperties")
        if isinstance(extra, dict):
            out["additionalProperties"] = no_nul(extra)
    if isinstance(out.get("items"), dict):
        out["items"] = no_nul(out["items"])
    if "anyOf" in out:
        out["anyOf"] = [no_nul(s) for s in out["anyOf"]]
    return out




def json_at(depth: int) -> dict[str, str]:
    """A reference to any JSON value these endpoints take in at nesting ``depth`` of the
    body (``credentials.http_input``: no U+0000, strings of at most MAX_STRING, nothing
    nested below MAX_DEPTH)."""
    return {"$ref": f"#/components/schemas/JsonAt{min(depth, MAX_DEPTH)}"}


def _json_values() -> dict[str, Any]:
    # One schema with a list of types (each keyword applies to its own type) rather than
    # anyOf: generators explore it without multiplying the alternatives at every level.
    any_type = ["string", "number", "boolean", "null", "array", "object"]
    values = {f"JsonAt{MAX_DEPTH}": no_nul({"type": any_type, "maxItems": 0,
                                            "maxProperties": 0})}
    for depth in range(1, MAX_DEPTH):
        values[f"JsonAt{depth}"] = no_nul({"type": any_type, "items": json_at(depth + 1),
                                           "additionalProperties": json_at(depth + 1)})
    return values


#: A claim's value nests at most two levels (an array of objects): what licence types use,
#: and within the server's bound at either depth claims sit (1 alone, 3 in a batch).
CLAIM_VALUE_DEPTH = MAX_DEPTH - 2
CLAIMS = {"type": "object", "additionalProperties": json_at(CLAIM_VALUE_DEPTH),
          "description": "Validated by the type's JSON Schema (422 naming each claim)"}

ERRORS = {"400": _problem("Malformed body (not JSON, not an object, U+0000 or a lone "
                          "surrogate in a string)"),
          "401": _problem("Missing or invalid access token (WWW-Authenticate: Bearer)"),
          "403": _problem("Insufficient scope, or another department's licence"),
          "422": _problem("Invalid fields; errors[] names each one")}
#: Issuing refusals beyond ERRORS' (RFC 9457 problem types, /api/v1/problems/<slug>).
ISSUE_ERRORS = {
    "403": _problem("Insufficient scope, another department's licence, or "
                    "`department-not-allowed`: the department is not (or no longer) among "
                    "the type's issuing departments"),
    "422": _problem("Invalid fields (errors[] names each one); `unknown-type`; or "
                    "`type-retired`: the type issues no new licences (422 like an unknown "
                    "type: the request names a type that cannot be used; its earlier "
                    "licences still verify)")}


def _op(summary: str, responses: dict[str, Any], *, security=DEPT, body=None, params=(),
        tags=("licences",)) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": summary, "tags": list(tags),
                                 "parameters": list(params), "responses": responses}
    if security is not None:
        operation["security"] = security
    if body is not None:
        operation["requestBody"] = _body(body)
        operation["responses"] = {**responses,
                                  "413": _problem("Body larger than the server accepts"),
                                  "415": _problem("The body is declared as something else "
                                                  "than application/json")}
    operation["responses"].setdefault(
        "404", _problem("No such licence, department, list or type"))
    operation["responses"]["405"] = _problem("Method not allowed (Allow lists the methods)")
    return operation


def _lifecycle(action: str, summary: str, body: str = "StatusChange") -> dict[str, Any]:
    return {"post": _op(summary, {"200": _json(_ref("Licence")), **ERRORS,
                                  "404": _problem("No such licence"),
                                  "409": _problem(f"The licence's state does not allow "
                                                  f"{action} (`invalid-transition`; e.g. "
                                                  f"revoking twice: nothing is recorded "
                                                  f"again)")},
                        body=_ref(body), params=[ID])}


def _image(summary: str, media: str, **extra: Any) -> dict[str, Any]:
    return {"get": _op(summary, {"200": {"description": "The QR image (quiet zone 4)",
                                         "content": {media: {}}}, **ERRORS,
                                 "404": _problem("No such licence"), **extra},
                       security=ANY_TOKEN, params=[ID])}


#: A licence issued before 0.2 whose token came from a since-rotated SECRET_KEY.
_UNAVAILABLE = {"409": _problem("Reference token not derivable any more: re-issue")}


def paths(problem_slugs: Iterable[str] = ()) -> dict[str, Any]:
    """Every credentials operation, with its Chinese summary, description and examples
    (credentials.openapi_examples)."""
    return openapi_docs.annotate(_paths(problem_slugs), openapi_examples.DOCS)


def _paths(problem_slugs: Iterable[str]) -> dict[str, Any]:
    licence_ok = _json(_ref("Licence"), "Issued (or replayed for the same Idempotency-Key)")
    return {
        "/api/v1/licenses": {"post": _op(
            "Issue a licence (scope licenses:issue:<type code>)",
            {"201": licence_ok, **ERRORS, **ISSUE_ERRORS,
             "409": _problem("Idempotency-Key reused"),
             "503": _problem("The department has no signing key")},
            body=_ref("IssueRequest"), params=[IDEMPOTENCY])},
        "/api/v1/licenses:batch": {"post": {**_op(
            "Issue up to 1,000 licences; each item issued or rejected on its own",
            {"200": _json(_ref("BatchResult")), **ERRORS,
             "413": _problem("More than 1,000 items")},
            body={"type": "object", "required": ["items"], "additionalProperties": False,
                  "properties": {"items": {
                      "type": "array", "minItems": 1, "maxItems": 1000,
                      # Each item is judged on its own: one that is no IssueRequest is
                      # rejected in results[] with its problem, the batch still 200.
                      "items": {"anyOf": [_ref("IssueRequest"), json_at(2)]}}}},
            params=[IDEMPOTENCY]), "description": BATCH_RETRY}},
        "/api/v1/licenses/{id}": {"get": _op(
            "Read a licence (issuing department or its holder)",
            {"200": _json(_ref("Licence")), **ERRORS, "404": _problem("No such licence")},
            security=ANY_TOKEN, params=[ID])},
        "/api/v1/licenses/{id}/suspend": _lifecycle("suspend", "Suspend a valid licence"),
        "/api/v1/licenses/{id}/reinstate": _lifecycle("reinstate",
                                                      "Reinstate a suspended licence",
                                                      body="Reason"),
        "/api/v1/licenses/{id}/revoke": _lifecycle("revoke", "Revoke a licence (final)"),
        "/api/v1/licenses/{id}/reissue": {"post": _op(
            "Issue the next version with changed claims; the old one is revoked",
            {"201": _json(_ref("Licence")), **ERRORS, **ISSUE_ERRORS,
             "404": _problem("No such licence"),
             "409": _problem("The licence is revoked")},
            body=_ref("ReissueRequest"), params=[ID])},
        "/api/v1/licenses/{id}/qr.png": _image("Offline QR (LIC1:...) as PNG", "image/png"),
        "/api/v1/licenses/{id}/qr.svg": _image("Offline QR as SVG", "image/svg+xml"),
        "/api/v1/licenses/{id}/reference-qr.png": _image("Reference URL QR as PNG",
                                                         "image/png", **_UNAVAILABLE),
        "/api/v1/licenses/{id}/reference-qr.svg": _image("Reference URL QR as SVG",
                                                         "image/svg+xml", **_UNAVAILABLE),
        "/api/v1/wallet/licenses": {"get": _op(
            "The holder's licences (scope wallet; identity claims in the token)",
            {"200": _json({"type": "object", "properties": {
                "licenses": {"type": "array", "items": _ref("WalletSummary")}}}), **ERRORS},
            security=WALLET, tags=("wallet",))},
        "/api/v1/wallet/licenses/{id}": {"get": _op(
            "One of the holder's licences, with status",
            {"200": _json(_ref("Licence")), **ERRORS, "404": _problem("Not the holder's")},
            security=WALLET, params=[ID], tags=("wallet",))},
        "/api/v1/wallet/licenses/{id}/present": {"post": _op(
            "An SD-JWT presentation disclosing only the chosen claims",
            {"200": _json(_ref("Presentation")), **ERRORS, "404": _problem("Not the holder's")},
            security=WALLET, params=[ID], tags=("wallet",),
            body={"type": "object", "required": ["disclose"], "additionalProperties": False,
                  "properties": {"disclose": {"type": "array", "items": {"type": "string"},
                                              "maxItems": 64}}})},
        "/api/v1/openapi.json": {"get": _op(
            "This document", {"200": _json({"type": "object"}),
                              "400": _problem("`lang` is not one of the languages offered, "
                                              "or repeated (`errors` names it)")},
            security=None, tags=("meta",), params=[LANG])},
        "/api/v1/problems/{slug}": {"get": _op(
            "Description of a problem type", {"200": _json({"type": "object"}),
                                              "404": _problem("Unknown problem type")},
            security=None, tags=("meta",),
            params=[{"name": "slug", "in": "path", "required": True,
                     "schema": {"type": "string",
                                "enum": sorted({*PROBLEM_TYPES, *problem_slugs})}}])},
        **_public_paths(),
    }


def _public_paths() -> dict[str, Any]:
    nf = {"404": _problem("Unknown department, list or type")}
    public = {"security": None, "tags": ("issuers",)}
    list_id = {"name": "list_id", "in": "path", "required": True, "schema": {"type": "string"}}
    type_code = {"name": "type_code", "in": "path", "required": True,
                 "schema": {"type": "string", "minLength": 21, "maxLength": 21}}
    return {
        "/issuers/{code}": {"get": _op("Issuer description", {
            "200": _json({"type": "object"}), **nf}, params=[CODE], **public)},
        "/issuers/{code}/jwks": {"get": _op("The department's JWK Set (retired keys included)", {
            "200": _json(_ref("JWKS")), **nf}, params=[CODE], **public)},
        "/.well-known/jwt-vc-issuer/issuers/{code}": {"get": _op(
            "SD-JWT VC issuer metadata", {"200": _json({"type": "object", "properties": {
                "issuer": {"type": "string"}, "jwks": _ref("JWKS")}}), **nf},
            params=[CODE], **public)},
        "/issuers/{code}/status/{list_id}": {"get": _op(
            "Token Status List (2 bits: 0 valid, 1 revoked, 2 suspended)",
            {"200": {"description": "Signed list; Cache-Control max-age = ttl; ETag",
                     "content": {"application/statuslist+jwt": {"schema": {"type": "string"}}}},
             "304": {"description": "Not modified (If-None-Match)"}, **nf},
            params=[CODE, list_id], **public)},
        "/types/{type_code}": {"get": _op(
            "SD-JWT VC Type Metadata of version 1 (the vct of licences issued under it)", {
                "200": _json({"type": "object"}), **nf}, params=[type_code], **public)},
        "/types/{type_code}/versions/{version}": {"get": _op(
            "SD-JWT VC Type Metadata of a later version (the vct of its licences)", {
                "200": _json({"type": "object"}), **nf},
            params=[type_code, {"name": "version", "in": "path", "required": True,
                                "schema": {"type": "integer", "minimum": 0,
                                           "maximum": 2**31 - 1}}], **public)},
    }


def schemas() -> dict[str, Any]:
    string = {"type": "string"}
    holder = {"type": "object", "required": ["code_type", "number", "name"],
              "additionalProperties": False, "properties": {
                  "code_type": {"enum": ["111", "001"],
                                "description": "111 citizen ID number, 001 credit code"},
                  "number": {"type": "string", "minLength": 1, "maxLength": 18,
                             "pattern": r"^[0-9A-Z]{1,18}$"},
                  "name": {"type": "string", "minLength": 1, "maxLength": 200,
                           "pattern": NOT_BLANK}}}
    date = {"type": "string", "maxLength": 40,
            "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]+(Z|[+-][0-9]{2}:?[0-9]{2}))?$",
            "description": "YYYY-MM-DD (UTC+8) or RFC 3339 with an offset"}
    reason = {"type": "string", "minLength": 1, "maxLength": 500, "pattern": NOT_BLANK}
    requests = {
        "Holder": holder,
        "IssueRequest": {"type": "object", "required": ["type", "holder"],
                         "additionalProperties": False, "properties": {
                             "type": {"type": "string", "minLength": 21, "maxLength": 21,
                                      "pattern": TYPE_CODE_PATTERN},
                             "holder": _ref("Holder"), "claims": CLAIMS,
                             "valid_from": date, "valid_until": date}},
        "ReissueRequest": {"type": "object", "required": ["claims"],
                           "additionalProperties": False, "properties": {
                               "claims": CLAIMS, "valid_until": date, "reason": reason}},
        "Reason": {"type": "object", "required": ["reason"], "additionalProperties": False,
                   "properties": {"reason": reason}},
        "StatusChange": {"type": "object", "required": ["reason"],
                         "additionalProperties": False, "properties": {
                             "reason": {**reason, "description":
                                        "Internal: kept with the actor and in the audit "
                                        "trail, never shown to verifiers"},
                             "public_reason": {"enum": [*public_reasons.CODES, None],
                                               "description": PUBLIC_REASON_TEXT},
                             "public_note": {"type": ["string", "null"],
                                             "maxLength": public_reasons.MAX_NOTE,
                                             "pattern": r"^[^\x00-\x1f\x7f-\x9f]*$",
                                             "description": "Optional short public note "
                                             "(only with public_reason; no control "
                                             "characters)"}}},
    }
    return {
        **{name: no_nul(schema) for name, schema in requests.items()}, **_json_values(),
        "Problem": {"type": "object", "required": ["type", "title", "status"], "properties": {
            "type": {"type": "string", "format": "uri"}, "title": string,
            "status": {"type": "integer"}, "detail": string,
            "errors": {"type": "array", "items": {"type": "object", "required": ["field",
                                                                                  "reason"],
                                                  "properties": {"field": string,
                                                                 "reason": string,
                                                                 "message": string}}}}},
        "Licence": {"type": "object", "properties": {
            "identifier": string,
            "version": {"type": "integer", "description":
                        "The licence's edition (the identifier's 3-digit version field; a "
                        "re-issue increments it)"},
            "type": string,
            "type_version": {"type": "integer", "description":
                             "The version of its type the licence was issued under"},
            "vct": {"type": "string", "description": "Its SD-JWT VC type (names the version)"},
            "department": string, "holder": _ref("Holder"), "claims": {"type": "object"},
            "valid_from": string, "valid_until": string, "issued_at": string,
            "state": {"enum": ["valid", "suspended", "revoked"]},
            "state_reason": {"type": ["string", "null"], "description":
                             "The issuer's internal reason (never shown to verifiers)"},
            "state_changed_at": {"type": ["string", "null"]},
            "public_reason": {"anyOf": [_ref("PublicReason"), {"type": "null"}]},
            "previous": {"type": ["string", "null"]},
            "superseded_by": {"type": ["string", "null"]},
            "sd_jwt": {"type": "string", "description": "SD-JWT VC, typ dc+sd-jwt"},
            "offline_qr": {"type": "string", "description": "LIC1: + Base45(zlib(COSE_Sign1))"},
            "status": {"type": "object", "properties": {"idx": {"type": "integer"},
                                                        "uri": string}},
            "links": {"type": "object", "additionalProperties": string, "description":
                      "reference_url is absent when its token cannot be derived any more"}}},
        "BatchResult": {"type": "object", "properties": {
            "issued": {"type": "integer"}, "rejected": {"type": "integer"},
            "results": {"type": "array", "items": {"type": "object", "properties": {
                "index": {"type": "integer"}, "status": {"type": "integer"},
                "licence": _ref("Licence"), "problem": _ref("Problem")}}}}},
        "WalletSummary": {"type": "object", "properties": {
            "identifier": string, "type": string, "type_name": string, "state": string,
            "expired": {"type": "boolean"}, "valid_until": string,
            "state_changed_at": {"type": ["string", "null"]},
            "public_reason": {"anyOf": [_ref("PublicReason"), {"type": "null"}]}}},
        "PublicReason": {"type": "object", "required": ["code", "label_zh", "label_en", "note"],
                         "description": PUBLIC_REASON_TEXT, "properties": {
                             "code": {"enum": list(public_reasons.CODES)},
                             "label_zh": string, "label_en": string,
                             "note": {"type": ["string", "null"]}}},
        "Presentation": {"type": "object", "properties": {
            "presentation": string, "disclosed": {"type": "array", "items": string},
            "qr_png": {"type": ["string", "null"]}}},
        "JWKS": {"type": "object", "properties": {"keys": {"type": "array",
                                                          "items": {"type": "object"}}}},
    }


def document(issuer: str, problem_slugs: Iterable[str] = ()) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "onegate electronic licences", "version": "1.0.0",
                 "description": "Issuance by departments' systems (client_credentials tokens "
                                "with licenses:issue:<type code>), the holder wallet, and "
                                "public issuer metadata and status lists. Errors are RFC 9457 "
                                "problems naming the offending fields."},
        "servers": [{"url": issuer}],
        "paths": paths(problem_slugs),
        "components": {"schemas": schemas(), "securitySchemes": {
            "departmentToken": {"type": "oauth2", "flows": {"clientCredentials": {
                "tokenUrl": issuer + "/oauth/token",
                "scopes": {"licenses:issue:<type code>": "issue and manage one type"}}}},
            "walletToken": {"type": "oauth2", "flows": {"authorizationCode": {
                "authorizationUrl": issuer + "/oauth/authorize",
                "tokenUrl": issuer + "/oauth/token",
                "scopes": {"wallet": "the holder's licences",
                           "identity": "cn_id_number / cn_uscc in the token"}}}}}},
    }


Fragment = Mapping[str, Any] | Callable[[str], Mapping[str, Any]]


class Fragments:
    """The other packages' parts of the document (dicts, or callables of the service
    URL), in registration order, and the translations of their texts (for the
    renderings in one language, credentials.openapi_locale); built once per app by the
    composition root."""

    def __init__(self) -> None:
        self._items: list[Fragment] = []
        self._translations: list[Translations] = []

    def register(self, fragment: Fragment, translations: Translations | None = None) -> None:
        """Add a fragment to the document (once per fragment), with the translations
        of its texts."""
        if fragment not in self._items:
            self._items.append(fragment)
            if translations is not None:
                self._translations.append(translations)

    def __iter__(self) -> Iterator[Fragment]:
        return iter(list(self._items))

    def translations(self) -> list[Translations]:
        """The registered fragments' translations, in registration order."""
        return list(self._translations)


def with_fragments(base: dict[str, Any], fragments: Iterable[Fragment],
                   issuer: str) -> dict[str, Any]:
    """``base`` with every fragment's paths and components merged in.

    Raises ValueError when a fragment redefines an operation or a component
    differently (two packages claiming one URL is a wiring bug, not a merge).
    """
    for fragment in fragments:
        part = fragment(issuer) if callable(fragment) else fragment
        _merge_paths(base.setdefault("paths", {}), part.get("paths", {}))
        components = base.setdefault("components", {})
        for section, entries in part.get("components", {}).items():
            _merge_named(components.setdefault(section, {}), entries, f"components.{section}")
        known = {tag.get("name") for tag in base.get("tags", [])}
        base.setdefault("tags", []).extend(t for t in part.get("tags", [])
                                           if t.get("name") not in known)
    return base


def _merge_paths(paths: dict[str, Any], more: Mapping[str, Any]) -> None:
    for path, operations in more.items():
        _merge_named(paths.setdefault(path, {}), operations, path)


def _merge_named(into: dict[str, Any], more: Mapping[str, Any], where: str) -> None:
    for name, value in more.items():
        if name in into and into[name] != value:
            raise ValueError(f"OpenAPI fragment redefines {where} {name}")
        into[name] = value


#: Builders other packages use for their fragments.
schema_ref, json_response, problem_response, operation = _ref, _json, _problem, _op
