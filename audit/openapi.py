"""The audit endpoints' part of the OpenAPI description (a fragment admin merges)."""

from __future__ import annotations

from typing import Any

_PROBLEM = {"$ref": "#/components/schemas/Problem"}


def fragment() -> dict[str, Any]:
    """Paths and the schema of ``GET /audit/checkpoint`` and ``GET /audit/jwks``."""
    return {
        "paths": {
            "/audit/checkpoint": {"get": {
                "summary": "A signed checkpoint of the current audit chain head (signed on "
                           "demand when the head moved, reused for up to 5 s); keep a "
                           "copy and check it later with `onegate audit verify --checkpoint`",
                "tags": ["audit"], "parameters": [],
                "responses": {
                    "200": {"description": "The checkpoint (only `checkpoint`, a compact "
                                           "JWS with typ audit-checkpoint+jwt, is signed)",
                            "headers": {"ETag": {"schema": {"type": "string"}, "description":
                                                 "Names exactly this JWS: send it as "
                                                 "If-None-Match when polling"}},
                            "content": {"application/json": {"schema": {
                                "$ref": "#/components/schemas/AuditCheckpoint"}}}},
                    "304": {"description": "Unchanged since the If-None-Match ETag"},
                    "404": {"description": "No checkpoint yet",
                            "content": {"application/problem+json": {"schema": _PROBLEM}}}}}},
            "/audit/jwks": {"get": {
                "summary": "The JWK Set audit checkpoints are signed with (ES256)",
                "tags": ["audit"], "parameters": [],
                "responses": {"200": {"description": "JWK Set", "content": {
                    "application/jwk-set+json": {"schema": {"type": "object"}}}}}}},
        },
        "tags": [{"name": "audit"}],
        "components": {"schemas": {"AuditCheckpoint": {
            "type": "object", "additionalProperties": False,
            "required": ["checkpoint", "seq", "hash", "issued_at", "kid", "jwks_uri"],
            "properties": {
                "checkpoint": {"type": "string", "description":
                               "Compact JWS; claims iss, iat, seq (head entry), hash "
                               "(its HMAC-SHA256, hex)"},
                "seq": {"type": "integer", "minimum": 1},
                "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                "issued_at": {"type": "string", "format": "date-time"},
                "kid": {"type": ["string", "null"]},
                "jwks_uri": {"type": "string", "format": "uri"}}}}},
    }
