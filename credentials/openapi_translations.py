"""The translations of the credentials operations' texts (credentials.openapi and
credentials.openapi_catalogue), for the renderings of the description in one language
(credentials.openapi_locale): English -> Chinese for the texts written in English,
Chinese -> English for the descriptions and example summaries written in Chinese
(credentials.openapi_examples).

Keyed by the English text itself, so an English text that changes without its
Chinese shows up untranslated (tests/admin/test_api_docs_i18n.py fails); the few
texts composed from constants are keyed by those constants."""

from __future__ import annotations

from credentials import openapi, openapi_catalogue, openapi_examples, public_reasons
from credentials.openapi_docs import SHARED_ENGLISH, english
from credentials.openapi_locale import Translations

_ACTIONS = {"suspend": "暂停", "reinstate": "恢复", "revoke": "吊销"}

ZH = {
    # The document, its tags and security schemes.
    "onegate electronic licences": "onegate 电子证照",
    "Issuance by departments' systems (client_credentials tokens with "
    "licenses:issue:<type code>), the holder wallet, and public issuer metadata and "
    "status lists. Errors are RFC 9457 problems naming the offending fields.":
        "部门业务系统签发证照（client_credentials 令牌，scope 为 "
        "licenses:issue:<证照类型代码>）、持证人钱包，以及公开的签发机构元数据与状态列表。"
        "错误以 RFC 9457 problem details 返回，逐一指出出错的字段。",
    "licences": "证照签发与管理", "wallet": "持证人钱包", "meta": "接口说明",
    "issuers": "签发机构", "catalogue": "证照目录",
    "Licence types, their versions and disclosure rules (public)":
        "证照类型、各版本与披露规则（公开）",
    "issue and manage one type": "签发并管理一种证照类型",
    "the holder's licences": "持证人的证照",
    "cn_id_number / cn_uscc in the token": "令牌中带有 cn_id_number / cn_uscc",
    # Parameters.
    "GB/T 36904 licence identifier "
    "(1.2.156.3005.2.<type>.<issuer>.<serial>.<version>.<check>)":
        "GB/T 36904 证照标识（1.2.156.3005.2.<类型>.<签发机构>.<序号>.<版本>.<校验码>）",
    "Same key and same body: the same licence (replayed, header Idempotent-Replayed). "
    "Same key, other body: 409. 1 to 200 visible ASCII characters, else 422 naming the "
    "header.": "相同的键、相同的请求体：返回同一张证照（重放，响应头 Idempotent-Replayed）。"
               "相同的键、不同的请求体：409。1 至 200 个可见 ASCII 字符，否则 422 并指出该请求头。",
    openapi.LANG["description"]:
        "文档的单语言版本，供人阅读（/api/docs 渲染的就是它）：所有摘要与说明均为该语言，"
        "示例不变。不带此参数时返回标准文档",
    "Licence type code (18-character credit code + 3 digits)":
        "证照类型代码（18 位统一社会信用代码加 3 位数字）",
    openapi.BATCH_RETRY:
        "每 200 项为一组存储，每组连同其状态列表位置、幂等记录与审计记录在同一事务中写入，"
        "因此崩溃只会留下完整的证照。请带上 `Idempotency-Key`，在超时、连接错误或 5xx "
        "之后用同一个键重发同一批：第 *i* 项的键为 `<key>#<i>`，失败前已存储的项返回同样的"
        "证照（`replayed: true`），只签发其余各项。不带键重发会签发新的证照。同一个键在第 "
        "*i* 项换了内容，该项被拒绝（409 `idempotency-key-reused`）。键按客户端保存，不过期。",
    openapi_catalogue._CACHING:
        "发布的内容带强 `ETag` 与 `Cache-Control: public, max-age=300`；发送 "
        "`If-None-Match` 可得到 304。变更（新版本、停发、签发部门）几秒内即可见。",
    # Responses.
    "OK": "成功",
    "Issued (or replayed for the same Idempotency-Key)":
        "已签发（或同一 Idempotency-Key 的重放）",
    "Malformed body (not JSON, not an object, U+0000 or a lone surrogate in a string)":
        "请求体格式错误（不是 JSON、不是对象，或字符串中含 U+0000 或孤立的代理码元）",
    "Missing or invalid access token (WWW-Authenticate: Bearer)":
        "缺少访问令牌或令牌无效（WWW-Authenticate: Bearer）",
    "Insufficient scope, or another department's licence": "令牌权限不足，或是其他部门的证照",
    "Invalid fields; errors[] names each one": "字段无效；errors[] 逐一指出",
    "Insufficient scope, another department's licence, or `department-not-allowed`: the "
    "department is not (or no longer) among the type's issuing departments":
        "令牌权限不足、其他部门的证照，或 `department-not-allowed`："
        "该部门不是（或已不再是）该证照类型的签发部门",
    "Invalid fields (errors[] names each one); `unknown-type`; or `type-retired`: the type "
    "issues no new licences (422 like an unknown type: the request names a type that "
    "cannot be used; its earlier licences still verify)":
        "字段无效（errors[] 逐一指出）；`unknown-type`；或 `type-retired`：该类型已停止签发"
        "新证（与未知类型一样返回 422：请求指定的类型不可用；此前签发的证照仍可核验）",
    "Body larger than the server accepts": "请求体超过服务器接受的大小",
    "The body is declared as something else than application/json":
        "请求体声明的类型不是 application/json",
    "No such licence, department, list or type": "证照、部门、状态列表或证照类型不存在",
    "Method not allowed (Allow lists the methods)": "不支持该请求方法（响应头 Allow 列出可用方法）",
    "No such licence": "证照不存在",
    **{f"The licence's state does not allow {action} (`invalid-transition`; e.g. revoking "
       f"twice: nothing is recorded again)":
       f"证照当前状态不允许{zh}（`invalid-transition`；例如重复吊销：不会再记录一次）"
       for action, zh in _ACTIONS.items()},
    "The QR image (quiet zone 4)": "二维码图片（四周留白 4 个模块）",
    "Reference token not derivable any more: re-issue": "引用令牌已无法生成：请换发证照",
    "Idempotency-Key reused": "Idempotency-Key 已用于另一请求",
    "The department has no signing key": "该部门尚无签名密钥",
    "More than 1,000 items": "超过 1000 项",
    "The licence is revoked": "证照已吊销",
    "Not the holder's": "不是该持证人的证照",
    "`lang` is not one of the languages offered, or repeated (`errors` names it)":
        "`lang` 不是所提供的语言之一，或出现多次（`errors` 指出）",
    "Unknown problem type": "未知的错误类型",
    "Unknown department, list or type": "部门、状态列表或证照类型不存在",
    "Signed list; Cache-Control max-age = ttl; ETag":
        "签名的状态列表；Cache-Control 的 max-age 等于 ttl；带 ETag",
    "Not modified (If-None-Match)": "未修改（If-None-Match）",
    "No such licence type (problem `not-found`)": "证照类型不存在（错误类型 `not-found`）",
    "Strong validator of the body": "响应体的强校验值",
    "public, max-age=300": "可公共缓存 300 秒（public, max-age=300）",
    # Schemas.
    "Validated by the type's JSON Schema (422 naming each claim)":
        "按该证照类型的 JSON Schema 校验（422 逐项指出信息项）",
    "111 citizen ID number, 001 credit code": "111 为居民身份证号码，001 为统一社会信用代码",
    "YYYY-MM-DD (UTC+8) or RFC 3339 with an offset":
        "YYYY-MM-DD（北京时间）或带时区偏移的 RFC 3339 时间",
    "Internal: kept with the actor and in the audit trail, never shown to verifiers":
        "内部原因：与操作人一起记入审计日志，绝不向核验方展示",
    openapi.PUBLIC_REASON_TEXT:
        "暂停或吊销的公开原因，核验方与持证人钱包中可见："
        + "；".join(f"`{code}` {zh}" for code, (zh, _) in public_reasons.REASONS.items())
        + "。其他代码被拒绝（422，指出 `public_reason`）。",
    "Optional short public note (only with public_reason; no control characters)":
        "可选的简短公开说明（只能与 public_reason 一起给出；不得含控制字符）",
    "The licence's edition (the identifier's 3-digit version field; a re-issue "
    "increments it)": "证照的版本（标识中 3 位的版本字段；每次换发加一）",
    "The version of its type the licence was issued under": "签发证照时所依据的证照类型版本",
    "Its SD-JWT VC type (names the version)": "证照的 SD-JWT VC 类型（指明类型版本）",
    "The issuer's internal reason (never shown to verifiers)":
        "签发部门的内部原因（绝不向核验方展示）",
    "SD-JWT VC, typ dc+sd-jwt": "SD-JWT VC 电子证照，typ 为 dc+sd-jwt",
    "LIC1: + Base45(zlib(COSE_Sign1))": "离线二维码文本：LIC1: 加 Base45(zlib(COSE_Sign1))",
    "reference_url is absent when its token cannot be derived any more":
        "引用令牌已无法生成时不含 reference_url",
    "Type version (not the identifier's licence edition)": "类型版本（不是证照标识中的证照版本）",
    "The SD-JWT VC `vct` of licences issued under this version: <issuer>/types/<code> "
    "for version 1, <issuer>/types/<code>/versions/<n> after":
        "按此版本签发的证照的 SD-JWT VC `vct`：第 1 版为 <issuer>/types/<code>，"
        "之后为 <issuer>/types/<code>/versions/<n>",
    "JSON Schema (Draft 2020-12) of the type's own claims":
        "该类型自有信息项的 JSON Schema（Draft 2020-12）",
    "Plaintext in every SD-JWT VC": "在每张 SD-JWT VC 中明文出现",
    "Disclosures the holder chooses": "由持证人选择是否披露",
    "Carried in the offline QR (LIC1:)": "写入离线二维码（LIC1:）",
    "retired: issues no more; its licences still verify":
        "retired：已停止签发新证；已签发的证照仍可核验",
    "May issue it now": "当前可签发该类型的部门",
    "Issued it once; their licences verify": "曾签发过该类型的部门；其证照仍可核验",
    "Every version, oldest first": "全部版本，由旧到新",
}

_PUBLIC = "Public, no token. "
_NEEDS_DEPARTMENT = ("Needs a department system's client_credentials token (scope "
                     "`licenses:issue:<type code>`).")
_LIFECYCLE = (f"{_NEEDS_DEPARTMENT} `reason` is the internal reason, recorded only in the "
              "audit trail and never shown in a verification result; `public_reason` and "
              "`public_note` are the reason shown to verifiers and the holder.")
_LIFECYCLE_NOTES = {"409": "The licence is revoked and cannot be suspended",
                    "422": "The public reason's code is not on the list"}

EN = {**SHARED_ENGLISH, **english(openapi_examples.DOCS, {
    ("/api/v1/licenses", "post"): (
        "A department's system issues one licence: the licence type, the holder (unified "
        "social credit code or citizen ID number, both with their check characters "
        "verified) and the claims the type's JSON Schema defines. "
        f"{_NEEDS_DEPARTMENT} Returns the SD-JWT VC, the offline QR text and the licence's "
        "place in its status list; sent again with the same `Idempotency-Key`, the same "
        "licence comes back.",
        {"201": "An issued food business permit",
         "422": "Wrong credit code check character and a malformed permit number"}),
    ("/api/v1/licenses:batch", "post"): (
        "Each item is issued on its own: one failing does not stop the others; results "
        f"come back by index. {_NEEDS_DEPARTMENT}",
        {"200": "One item issued, one rejected for a wrong credit code check character"}),
    ("/api/v1/licenses/{id}", "get"): (
        "The issuing department (same token) or the holder (wallet token) reads a licence "
        "and its current state.", {"200": "A licence suspended while it is reviewed"}),
    ("/api/v1/licenses/{id}/suspend", "post"): (
        "Suspends a valid licence (status list value 2); verifications say "
        f"\"suspended\". {_LIFECYCLE}", _LIFECYCLE_NOTES),
    ("/api/v1/licenses/{id}/reinstate", "post"): (
        "Once reviewed and found in order, the licence is valid again and its public "
        "reason cleared (reinstating takes no `public_reason`). " + _NEEDS_DEPARTMENT,
        {"200": "Valid again"}),
    ("/api/v1/licenses/{id}/revoke", "post"): (
        f"Revokes or cancels a licence (status list value 1, final). {_LIFECYCLE}",
        _LIFECYCLE_NOTES),
    ("/api/v1/licenses/{id}/reissue", "post"): (
        "Issues the next version with the changed claims (version plus one, check "
        "character recomputed); the old version is revoked at once with the public reason "
        f"\"superseded by a new licence\" (`superseded`). {_NEEDS_DEPARTMENT}",
        {"201": "Version 003 of the licence"}),
    ("/api/v1/licenses/{id}/qr.png", "get"): (
        "The licence's offline verification QR code (LIC1: text, error correction level "
        "Q), for the issuing department or the holder.", {}),
    ("/api/v1/licenses/{id}/qr.svg", "get"): ("The same, as vectors for printing.", {}),
    ("/api/v1/licenses/{id}/reference-qr.png", "get"): (
        "The QR code holds the online verification URL with a one-time token; scanning it "
        "verifies on the /v/ page.", {}),
    ("/api/v1/licenses/{id}/reference-qr.svg", "get"): ("The same, as vectors.", {}),
    ("/api/v1/wallet/licenses", "get"): (
        "The holder (wallet token, identity claims in the token) sees their licences with "
        "their states and public reasons.", {"200": "One valid licence"}),
    ("/api/v1/wallet/licenses/{id}", "get"): (
        "The holder sees everything about one licence, with its state.",
        {"200": "A suspended licence"}),
    ("/api/v1/wallet/licenses/{id}/present", "post"): (
        "The holder chooses the claims to disclose and gets an SD-JWT presentation with "
        "only those, and its QR code.", {"200": "Only the business scope disclosed"}),
    ("/api/v1/openapi.json", "get"): (
        f"{_PUBLIC}Rendered for people at /api/docs.", {"200": "The document's beginning"}),
    ("/api/v1/problems/{slug}", "get"): (
        f"{_PUBLIC}The `type` of every RFC 9457 problem points here.",
        {"200": "What a validation failure means"}),
    ("/issuers/{code}", "get"): (
        f"{_PUBLIC}The issuing department's name, unified social credit code and key URL.",
        {"200": "A market regulation department"}),
    ("/issuers/{code}/jwks", "get"): (
        f"{_PUBLIC}Retired keys included, so the licences they signed still verify.",
        {"200": "One ES256 key"}),
    ("/.well-known/jwt-vc-issuer/issuers/{code}", "get"): (
        f"{_PUBLIC}The issuer and its keys, as SD-JWT VC publishes them.",
        {"200": "Issuer metadata"}),
    ("/issuers/{code}/status/{list_id}", "get"): (
        f"{_PUBLIC}IETF Token Status List (2 bits per licence: 0 valid, 1 revoked, "
        "2 suspended), a signed JWT with an ETag and a cache lifetime.", {}),
    ("/types/{type_code}", "get"): (
        f"{_PUBLIC}SD-JWT VC Type Metadata: name, claims schema and disclosure rules.",
        {"200": "Food business permit"}),
    ("/types/{type_code}/versions/{version}", "get"): (
        f"{_PUBLIC}The type metadata of each version from version 2 on.",
        {"200": "Version 2"}),
}), **english(openapi_catalogue._DOCS, {
    ("/api/v1/types", "get"): (
        f"{_PUBLIC}Every licence type: its status (active or retired), the departments "
        "that may issue it and its current version.", {"200": "Food business permit"}),
    ("/api/v1/types/{code}", "get"): (
        f"{_PUBLIC}Each version's claims schema and disclosure rules, and the departments "
        "that have ever issued the type.", {"200": "Two versions of the food business "
                                                    "permit"}),
})}

TRANSLATIONS = Translations(ZH, EN)
