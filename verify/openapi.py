"""verify's part of /api/v1/openapi.json: its paths and components, merged into the
credentials document through the app's ``credentials.openapi.Fragments``."""

from __future__ import annotations

from typing import Any

from credentials.openapi import json_response as _json
from credentials.openapi import problem_response as _problem
from credentials.openapi import schema_ref as _ref
from credentials.openapi_docs import annotate
from verify import openapi_examples
from verify.result import STATUSES
from verify.uses import DEFAULT_LIMIT, MAX_LIMIT, MAX_PURPOSE, MAX_STAFF

STRING = {"type": "string"}
PURPOSE_QUERY = {"name": "purpose", "in": "query", "required": True,
                 "description": "Why the licences are used (national e-licence sharing rules)",
                 "schema": {"type": "string", "minLength": 1, "maxLength": MAX_PURPOSE}}
STAFF_TEXT = ("The staff member acting for the client, as the department states it: "
              "recorded with the use and shown to the holder as the department's own "
              "statement (`staff_source` `stated_by_department`, 部门自述), not a "
              "verified identity. Ignored under a 代办 token (RFC 8693 `act` with "
              "`cn_mandate`): the clerk the provider verified is recorded instead "
              "(`verified_clerk`). "
              "Non-ASCII text travels percent-encoded UTF-8 (`%E7%AA%97...`); at "
              f"most {MAX_STAFF} characters once decoded, no control characters. "
              "An unusable value (bad percent-encoding such as `%ZZ`, bytes that "
              "are not UTF-8, control characters, too long) is refused with a 400 "
              "problem of type `bad-header` whose `errors` name the header.")
#: Percent-encoded, a character takes at most 12 characters (4 UTF-8 bytes as %XX).
STAFF = {"name": "X-Onegate-Staff", "in": "header", "required": False,
         "description": STAFF_TEXT, "schema": {"type": "string", "maxLength": 12 * MAX_STAFF}}
#: On /verify the header is read only when a token is sent (a use is recorded).
STAFF_IF_TOKEN = {**STAFF, "description": STAFF_TEXT + " Ignored without a token.",
                  "schema": {"type": "string"}}
LIMIT = {"name": "limit", "in": "query", "required": False,
         "description": f"Page size (default {DEFAULT_LIMIT}, at most {MAX_LIMIT})",
         "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                    "default": DEFAULT_LIMIT}}
OFFSET = {"name": "offset", "in": "query", "required": False,
          "description": "How many items to skip; follow `next` (also sent as a "
                         "`Link: <...>; rel=\"next\"` header) rather than computing it",
          "schema": {"type": "integer", "minimum": 0, "default": 0}}
PAGE = {"limit": {"type": "integer"}, "offset": {"type": "integer"},
        "next": {"type": ["string", "null"], "format": "uri",
                 "description": "The next page's URL, null on the last page"}}
FORMAT = {"name": "format", "in": "query", "required": False,
          "description": "json: the claims (or the token and keys) as JSON instead of a JWT",
          "schema": {"enum": ["json"]}}
BAD_FORMAT = _problem("`format` is neither absent nor `json`, or repeated; `errors` names it")
AUTH = {"401": _problem("Missing or invalid access token (WWW-Authenticate: Bearer)"),
        "403": _problem("Insufficient scope, or no identity claims in the token")}
CACHED = "Cache-Control: public, max-age=60"
PURPOSE_TEXT = ("Required with a department system's token (the verification is recorded "
                f"as a use of the licence): 1 to {MAX_PURPOSE} printable characters, else "
                "400. Ignored, whatever its value, without a token.")
VERIFIER_SCHEME_TEXT = ("Optional: a department system's verification is recorded as a use "
                       "the holder sees. Only a client_credentials token of a client "
                       "registered to a department, with scope licenses:verify; any other "
                       "token is refused (403)")


def _get(summary: str, responses: dict[str, Any], *, security=None, params=(),
         tag: str = "verification") -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": summary, "tags": [tag], "parameters": list(params),
                                 "responses": responses}
    if security is not None:
        operation["security"] = security
    return {"get": operation}


def _verify() -> dict[str, Any]:
    text_body = {"type": "object", "required": ["credential"], "properties": {
        "credential": {"type": "string", "maxLength": 65536,
                       "description": "SD-JWT VC (presentation), LIC1: offline QR text, "
                                      "or an online reference URL"},
        "purpose": {"description": PURPOSE_TEXT},
        "key_binding": {"type": ["object", "null"], "required": ["audience", "nonce"],
                        "properties": {"audience": {"type": "string", "minLength": 1},
                                       "nonce": {"type": "string", "minLength": 1}}}}}
    image_body = {"type": "object", "required": ["image"], "properties": {
        "image": {"type": "string", "format": "binary", "contentMediaType": "image/png",
                  "description": "A photo or screenshot of a licence QR (PNG, JPEG, WebP, "
                                 "GIF or BMP; at most 5 MiB and 24 megapixels)"},
        "purpose": {"type": "string", "maxLength": MAX_PURPOSE}}}
    return {"post": {
        "summary": "Verify a licence (text or QR image)", "tags": ["verification"],
        "security": [{}, {"verifierToken": ["licenses:verify"]}],
        "parameters": [STAFF_IF_TOKEN],
        "requestBody": {"required": True, "content": {
            "application/json": {"schema": text_body},
            "multipart/form-data": {"schema": image_body,
                                    "encoding": {"image": {"contentType": "image/*"}}}}},
        "responses": {
            "200": _json(_ref("VerificationResult"),
                         "The verdict, also for invalid, revoked or untrusted licences"),
            "400": _problem("No credential, bad key_binding, missing purpose or an unusable "
                            "X-Onegate-Staff; `errors` lists `{field, reason}`"),
            "401": AUTH["401"],
            "403": _problem("`insufficient_scope` (RFC 6750 section 3.1, with "
                            "WWW-Authenticate naming scope `licenses:verify`): a token was "
                            "sent that is not a client_credentials token of a system "
                            "registered to a department and holding `licenses:verify` "
                            "(a person's token never records a use)"),
            "413": _problem("Body, text or image too large"),
            "415": _problem("Not JSON or multipart, or not a supported image"),
            "422": _problem("No readable QR code in the image"),
            "429": _problem("`rate-limited`: the limit per client and address, counted "
                            "across every worker, is reached; wait Retry-After seconds"),
            "503": _problem("`rate-limit-unavailable`: the shared rate-limit store (Redis) "
                            "cannot be reached, so the request is refused rather than not "
                            "counted; wait Retry-After seconds")}}}


def paths() -> dict[str, Any]:
    """verify's operations, with Chinese summaries, descriptions and examples."""
    return annotate(_paths(), openapi_examples.DOCS)


def _paths() -> dict[str, Any]:
    return {
        "/api/v1/verify": _verify(),
        "/api/v1/trust-list": _get(
            "The signed trust list (trustlist+jwt): issuers, their keys and licence types",
            {"200": {"description": CACHED, "content": {
                "application/trustlist+jwt": {"schema": STRING},
                "application/json": {"schema": _ref("TrustList")}}}, "400": BAD_FORMAT},
            params=[FORMAT], tag="trust"),
        "/api/v1/offline-bundle": _get(
            "Signed offline bundle: trust list, JWKS, status lists, the public reasons of "
            "revoked and suspended licences, issued-at, max-age "
            "(what the CLI and the browser's offline /verify verify with)",
            {"200": {"description": CACHED + "; a strong ETag per representation "
                                              "(the same while the content is unchanged)",
                     "content": {
                "application/jwt": {"schema": STRING},
                "application/json": {"schema": {"type": "object", "properties": {
                    "bundle": STRING, "provider_jwks": _ref("JWKS")}}}}},
             "304": {"description": "Not modified (If-None-Match)"},
             "400": BAD_FORMAT},
            params=[FORMAT], tag="trust"),
        "/api/v1/holder/licenses": _get(
            "The holder's licences of the consented types, newest first, one page at a time "
            "(records one use, and one audit entry, per licence in the page returned)",
            {"200": _json({"type": "object", "properties": {
                "licenses": {"type": "array", "items": _ref("HolderLicence")},
                "types": {"type": "array", "items": STRING}, **PAGE}}),
             "400": _problem("purpose missing, longer than 200 characters or with control "
                             "characters; bad limit or offset; unusable X-Onegate-Staff. "
                             "`errors` lists `{field, reason}`"), **AUTH},
            security=[{"holderConsentToken": []}],
            params=[PURPOSE_QUERY, LIMIT, OFFSET, STAFF], tag="reuse"),
        "/api/v1/wallet/uses": _get(
            "Who used my licences: the holder's records of use, newest first, paged",
            {"200": _json({"type": "object", "properties": {
                "uses": {"type": "array", "items": _ref("Use")}, **PAGE}}),
             "400": _problem("bad limit or offset (`errors` names the field)"), **AUTH},
            security=[{"walletToken": []}], params=[LIMIT, OFFSET], tag="wallet"),
    }


def schemas() -> dict[str, Any]:
    nullable = {"type": ["string", "null"]}
    return {
        "VerificationResult": {"type": "object", "required": ["valid", "status", "checks"],
                               "properties": {
            "valid": {"type": "boolean"}, "status": {"enum": list(STATUSES)},
            "form": {"type": ["string", "null"]},
            "checked": {"type": "object", "description":
                        "The circumstances of the check, for the clerk acting on it",
                        "properties": {
                "checked_at": {"type": "string", "format": "date-time"},
                "mode": {"enum": ["online"], "description":
                         "`online`: checked against the issuer's records at `checked_at`"},
                "status_as_of": {"type": "string", "format": "date-time", "description":
                                 "When the revocation status used was read"},
                "status_changed_at": {"type": ["string", "null"], "format": "date-time",
                                      "description": "Since when a revoked or suspended "
                                      "licence has been so, from the issuer's record; null "
                                      "otherwise"},
                "status_reason": {"anyOf": [_ref("PublicReason"), {"type": "null"}],
                                  "description": "The issuer's public reason for a revoked "
                                  "or suspended licence, where it gave one (never its "
                                  "internal reason); null otherwise"}}},
            "reason": {"type": "string", "description":
                       "The failed step's reason in English (`all checks passed` when valid)"},
            "reason_zh": {"type": "string", "description":
                          "The same in Chinese, for clerks (`全部核验通过` when valid)"},
            "checks": {"type": "array", "items": {"type": "object", "properties": {
                "step": STRING, "ok": {"type": ["boolean", "null"]},
                "reason": {"type": "string", "description": "English"},
                "reason_zh": {"type": "string", "description": "Chinese"}}}},
            "license": {"type": ["object", "null"], "description":
                        "Set once the signature has verified, never before: also for "
                        "revoked, suspended, expired and not-yet-valid licences, so the "
                        "clerk sees whose licence was refused. Claims only from Disclosures "
                        "whose digests match the signed payload.",
                        "properties": {
                "identifier": STRING, "type": STRING, "type_name": STRING, "issuer": STRING,
                "issuer_name": STRING, "issuer_code": STRING,
                "holder_name": {"type": ["string", "null"]},
                "claims": {"type": "object", "description": "Disclosed claims, raw names"},
                "display": {"type": "array", "description":
                            "The claims as a clerk reads them: `label` is the licence type's "
                            "JSON Schema `title` (else a standard Chinese label, else the "
                            "name), `value` text (holder code types as 居民身份证 / "
                            "统一社会信用代码)", "items": {"type": "object", "properties": {
                                "claim": STRING, "label": STRING, "value": STRING}}}}}}},
        "TrustList": {"type": "object", "properties": {
            "iss": STRING, "iat": {"type": "integer"}, "exp": {"type": "integer"},
            "issuers": {"type": "array", "items": {"type": "object", "properties": {
                "issuer": STRING, "code": STRING, "name": STRING, "uscc": nullable,
                "jwks": _ref("JWKS"), "licence_types": {"type": "array", "items": STRING},
                "type_names": {"type": "object", "additionalProperties": STRING},
                "claim_titles": {"type": "object", "description":
                                 "type code -> claim -> Chinese title (the type's schema)",
                                 "additionalProperties": {
                                     "type": "object", "additionalProperties": STRING}}}}}}},
        "HolderLicence": {"type": "object", "properties": {
            "identifier": STRING, "type": STRING, "department": STRING,
            "state": {"enum": ["valid", "suspended", "revoked"]}, "holder_name": STRING,
            "claims": {"type": "object"}, "valid_from": nullable, "valid_until": nullable,
            "sd_jwt": STRING, "offline_qr": STRING}},
        "Use": {"type": "object", "properties": {
            "at": {"type": "string", "format": "date-time"},
            "kind": {"enum": ["retrieve", "verify"]}, "client_id": STRING,
            "client_name": {"type": ["string", "null"], "description":
                            "The name the holder knows the client by: its department's "
                            "name, else the service hall's; null when the client is no "
                            "longer registered. Show this, not `client_id`"},
            "staff": nullable,
            "staff_source": {"enum": ["stated_by_department", "verified_clerk", None],
                             "description":
                             "Where `staff` came from: `stated_by_department` is the "
                             "department's own statement (X-Onegate-Staff, 部门自述), not "
                             "verified by onegate; `verified_clerk` is a clerk acting under "
                             "the holder's mandate (代办), named by the provider's signed "
                             "token (`act`), X-Onegate-Staff then ignored; null when no "
                             "staff was named"},
            "station": {"type": ["string", "null"], "description":
                        "With `verified_clerk`: the clerk's hall or village station "
                        "(show \"由 {station} {staff} 代办\")"},
            "licence_identifier": STRING,
            "purpose": STRING, "result": nullable}},
    }


def fragment(issuer: str) -> dict[str, Any]:
    """Paths, schemas and the two extra security schemes of verify's JSON API."""
    return {
        "paths": paths(),
        "tags": [{"name": "verification"}, {"name": "trust"}, {"name": "reuse"}],
        "components": {"schemas": schemas(), "securitySchemes": {
            "verifierToken": {"type": "oauth2", "description": VERIFIER_SCHEME_TEXT, "flows": {
                                  "clientCredentials": {"tokenUrl": issuer + "/oauth/token",
                                                        "scopes": {"licenses:verify":
                                                                   "record verifications"}}}},
            "holderConsentToken": {"type": "oauth2", "flows": {"authorizationCode": {
                "authorizationUrl": issuer + "/oauth/authorize",
                "tokenUrl": issuer + "/oauth/token",
                "scopes": {"identity": "who the holder is",
                           "licenses:read:<type code>": "the holder's licences of one type"}}}},
        }},
    }
