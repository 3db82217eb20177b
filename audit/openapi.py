"""The audit endpoints' part of the OpenAPI description (a fragment admin merges)."""

from __future__ import annotations

from typing import Any

_PROBLEM = {"$ref": "#/components/schemas/Problem"}
_JWK = {"kty": "EC", "crv": "P-256", "kid": "eksLBTz2ddFSUVMdZ9RWQJYOI_1NRllhcka2G7qtv3I",
        "use": "sig", "alg": "ES256", "x": "BM1iLQ04mYaN7DGmP1-XuWM5q-J4lboTqrLTvMsbrd8",
        "y": "JGWBcG4FRmBRfGAjOWDJRj9gzSrVFsQpEU-mVPzafTU"}
_CHECKPOINT = {
    "checkpoint": "eyJhbGciOiJFUzI1NiIsImtpZCI6ImVrc0xCVHoyZGRGU1VWTWRaOVJXUUpZT0lfMU5SbGxo"
                  "Y2thMkc3cXR2M0kiLCJ0eXAiOiJhdWRpdC1jaGVja3BvaW50K2p3dCJ9.eyJ...",
    "seq": 48213, "hash": "114635ac22a7d934c5c61d5d594065a85246e88cedfaf4420d5f62fd600a6faa",
    "issued_at": "2026-11-29T07:10:00Z", "kid": _JWK["kid"],
    "jwks_uri": "https://onegate.example/audit/jwks"}
_NONE_YET = {"type": "https://onegate.example/api/v1/problems/not-found", "title": "Not Found",
             "status": 404, "detail": "no audit entry has been written yet"}

_CHECKPOINT_ZH = ("公开接口，无需令牌。审计日志哈希链当前链头的签名检查点；保存一份，日后可用 "
                  "`onegate audit verify --checkpoint` 证明日志未被改写。")
_JWKS_ZH = "公开接口，无需令牌。签名审计检查点的公钥（含已轮换的）。"
#: Translations of the texts below, for the description rendered in one language
#: (credentials.openapi_locale, registered by admin): English -> Chinese ...
ZH = {
    "audit": "审计日志",
    "The checkpoint (only `checkpoint`, a compact JWS with typ audit-checkpoint+jwt, is "
    "signed)": "检查点（只有 `checkpoint` 经过签名，它是 typ 为 audit-checkpoint+jwt 的紧凑 JWS）",
    "Names exactly this JWS: send it as If-None-Match when polling":
        "恰好标识这一 JWS：轮询时作为 If-None-Match 发送",
    "Unchanged since the If-None-Match ETag": "自 If-None-Match 所给 ETag 以来未变",
    "No checkpoint yet": "尚无检查点",
    "JWK Set": "JWK 公钥集",
    "Compact JWS; claims iss, iat, seq (head entry), hash (its HMAC-SHA256, hex)":
        "紧凑 JWS；声明 iss、iat、seq（链头记录）、hash（其 HMAC-SHA256，十六进制）",
}
#: ... and Chinese -> English.
EN = {
    _CHECKPOINT_ZH: "Public, no token. A signed checkpoint of the audit hash chain's "
                    "current head; keep a copy to prove later, with `onegate audit verify "
                    "--checkpoint`, that the log was not rewritten.",
    _JWKS_ZH: "Public, no token. The keys audit checkpoints are signed with (rotated ones "
              "included).",
    "第 48213 条记录的检查点": "The checkpoint at entry 48213",
    "尚无检查点": "No checkpoint yet",
    "一把 ES256 公钥": "One ES256 public key",
}


def fragment() -> dict[str, Any]:
    """Paths and the schema of ``GET /audit/checkpoint`` and ``GET /audit/jwks``."""
    return {
        "paths": {
            "/audit/checkpoint": {"get": {
                "description": _CHECKPOINT_ZH,
                "summary": "审计日志检查点 · A signed checkpoint of the current audit "
                           "chain head (signed on demand when the head moved, reused for "
                           "up to 5 s); keep a copy and check it later with "
                           "`onegate audit verify --checkpoint`",
                "tags": ["audit"], "parameters": [],
                "responses": {
                    "200": {"description": "The checkpoint (only `checkpoint`, a compact "
                                           "JWS with typ audit-checkpoint+jwt, is signed)",
                            "headers": {"ETag": {"schema": {"type": "string"}, "description":
                                                 "Names exactly this JWS: send it as "
                                                 "If-None-Match when polling"}},
                            "content": {"application/json": {"schema": {
                                "$ref": "#/components/schemas/AuditCheckpoint"},
                                "examples": {"zh": {"summary": "第 48213 条记录的检查点",
                                                    "value": _CHECKPOINT}}}}},
                    "304": {"description": "Unchanged since the If-None-Match ETag"},
                    "404": {"description": "No checkpoint yet",
                            "content": {"application/problem+json": {
                                "schema": _PROBLEM, "examples": {"zh": {
                                    "summary": "尚无检查点", "value": _NONE_YET}}}}}}}},
            "/audit/jwks": {"get": {
                "description": _JWKS_ZH,
                "summary": "审计检查点公钥 · The JWK Set audit checkpoints are signed with (ES256)",
                "tags": ["audit"], "parameters": [],
                "responses": {"200": {"description": "JWK Set", "content": {
                    "application/jwk-set+json": {"schema": {"type": "object"}, "examples": {
                        "zh": {"summary": "一把 ES256 公钥", "value": {"keys": [_JWK]}}}}}}}}},
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
