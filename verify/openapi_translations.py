"""The translations of verify's operation texts (verify.openapi, verify.openapi_examples)
for the renderings of the description in one language (credentials.openapi_locale),
registered with verify's fragment. Keyed by the English text itself (a changed English
text shows up untranslated in tests/admin/test_api_docs_i18n.py), the texts composed
from constants by those constants."""

from __future__ import annotations

from credentials.openapi_docs import english
from credentials.openapi_locale import Translations
from verify import openapi, openapi_examples
from verify.uses import DEFAULT_LIMIT, MAX_LIMIT, MAX_PURPOSE, MAX_STAFF

_STAFF_ZH = (
    "代表客户端办理的工作人员，由部门自行申报：与用证记录一起保存，并作为部门自述"
    "（`staff_source` 为 `stated_by_department`）向持证人展示，不是经核实的身份。使用代办"
    "令牌（RFC 8693 `act`，带 `cn_mandate`）时忽略此请求头，改为记录由身份提供方核实的"
    "办事员（`verified_clerk`）。非 ASCII 文字以百分号编码的 UTF-8 传送（`%E7%AA%97...`）；"
    f"解码后最多 {MAX_STAFF} 个字符，不得含控制字符。无法使用的值（错误的百分号编码如 "
    "`%ZZ`、非 UTF-8 字节、控制字符、过长）以 400 错误拒绝，错误类型为 `bad-header`，"
    "其 `errors` 指出该请求头。")

ZH = {
    "verification": "证照核验", "trust": "信任列表与离线核验包", "reuse": "经授权调取证照",
    "record verifications": "记录核验（用证）",
    "who the holder is": "持证人是谁",
    "the holder's licences of one type": "持证人某一类型的证照",
    openapi.VERIFIER_SCHEME_TEXT:
        "可选：部门系统的核验会记为一次持证人可见的用证。只接受已登记到某部门、"
        "带 scope licenses:verify 的客户端的 client_credentials 令牌；其他令牌一律拒绝（403）",
    # Parameters.
    "Why the licences are used (national e-licence sharing rules)":
        "用证目的（全国电子证照共享应用规则要求）",
    openapi.STAFF_TEXT: _STAFF_ZH,
    openapi.STAFF_IF_TOKEN["description"]: _STAFF_ZH + "不带令牌时忽略。",
    openapi.LIMIT["description"]: f"每页条数（默认 {DEFAULT_LIMIT}，最多 {MAX_LIMIT}）",
    openapi.OFFSET["description"]:
        "跳过的条数；请跟随 `next`（也以 `Link: <...>; rel=\"next\"` 响应头给出），"
        "不要自行计算",
    openapi.FORMAT["description"]: "json：以 JSON 返回信息（或令牌与公钥），而不是 JWT",
    # Request bodies.
    "SD-JWT VC (presentation), LIC1: offline QR text, or an online reference URL":
        "SD-JWT VC（或其出示文本）、LIC1: 离线二维码文本，或在线核验网址",
    openapi.PURPOSE_TEXT:
        f"使用部门系统令牌时必填（本次核验记为一次用证）：1 至 {MAX_PURPOSE} 个可打印字符，"
        "否则 400。不带令牌时忽略，无论其值如何。",
    "A photo or screenshot of a licence QR (PNG, JPEG, WebP, GIF or BMP; at most 5 MiB "
    "and 24 megapixels)": "证照二维码的照片或截图（PNG、JPEG、WebP、GIF 或 BMP；"
                          "最大 5 MiB、2400 万像素）",
    # Responses.
    "The verdict, also for invalid, revoked or untrusted licences":
        "核验结论；证照无效、已吊销或不可信时同样返回 200",
    "No credential, bad key_binding, missing purpose or an unusable X-Onegate-Staff; "
    "`errors` lists `{field, reason}`":
        "缺少证照、key_binding 有误、缺少用途或 X-Onegate-Staff 不可用；"
        "`errors` 列出 `{field, reason}`",
    "`insufficient_scope` (RFC 6750 section 3.1, with WWW-Authenticate naming scope "
    "`licenses:verify`): a token was sent that is not a client_credentials token of a "
    "system registered to a department and holding `licenses:verify` (a person's token "
    "never records a use)":
        "`insufficient_scope`（RFC 6750 第 3.1 节，WWW-Authenticate 指明 scope "
        "`licenses:verify`）：所带令牌不是已登记到某部门、持有 `licenses:verify` 的系统的 "
        "client_credentials 令牌（个人令牌从不记录用证）",
    "Body, text or image too large": "请求体、文本或图片过大",
    "Not JSON or multipart, or not a supported image": "不是 JSON 或 multipart，或图片格式不支持",
    "No readable QR code in the image": "图片中没有可识别的二维码",
    "`rate-limited`: the limit per client and address, counted across every worker, is "
    "reached; wait Retry-After seconds":
        "`rate-limited`：已达到按客户端与地址、跨所有工作进程计数的频率上限；"
        "请等待 Retry-After 秒",
    "`rate-limit-unavailable`: the shared rate-limit store (Redis) cannot be reached, so "
    "the request is refused rather than not counted; wait Retry-After seconds":
        "`rate-limit-unavailable`：无法连接共享的限流存储（Redis），请求被拒绝而不是不计数；"
        "请等待 Retry-After 秒",
    openapi.CACHED: "可公共缓存 60 秒（Cache-Control: public, max-age=60）",
    openapi.CACHED + "; a strong ETag per representation (the same while the content is "
    "unchanged)": "可公共缓存 60 秒（Cache-Control: public, max-age=60）；每种表示带强 ETag"
                  "（内容不变则不变）",
    "`format` is neither absent nor `json`, or repeated; `errors` names it":
        "`format` 既不是缺省也不是 `json`，或出现多次；`errors` 指出",
    "Insufficient scope, or no identity claims in the token": "令牌权限不足，或令牌中没有身份信息",
    "purpose missing, longer than 200 characters or with control characters; bad limit "
    "or offset; unusable X-Onegate-Staff. `errors` lists `{field, reason}`":
        "缺少用途、用途超过 200 个字符或含控制字符；limit 或 offset 有误；"
        "X-Onegate-Staff 不可用。`errors` 列出 `{field, reason}`",
    "bad limit or offset (`errors` names the field)": "limit 或 offset 有误（`errors` 指出字段）",
    # Schemas.
    "The circumstances of the check, for the clerk acting on it":
        "核验时的情况，供窗口人员据以办理",
    "`online`: checked against the issuer's records at `checked_at`":
        "`online`：于 `checked_at` 对照签发机构的记录核验",
    "When the revocation status used was read": "所用吊销状态的读取时间",
    "Since when a revoked or suspended licence has been so, from the issuer's record; "
    "null otherwise": "已吊销或已暂停证照自何时起如此（据签发机构记录）；否则为 null",
    "The issuer's public reason for a revoked or suspended licence, where it gave one "
    "(never its internal reason); null otherwise":
        "签发机构给出的吊销或暂停公开原因（绝不含内部原因）；未给出或其他情况为 null",
    "The failed step's reason in English (`all checks passed` when valid)":
        "未通过步骤的英文原因（有效时为 `all checks passed`）",
    "The same in Chinese, for clerks (`全部核验通过` when valid)":
        "同上的中文，供窗口人员阅读（有效时为 `全部核验通过`）",
    "English": "英文", "Chinese": "中文",
    "Set once the signature has verified, never before: also for revoked, suspended, "
    "expired and not-yet-valid licences, so the clerk sees whose licence was refused. "
    "Claims only from Disclosures whose digests match the signed payload.":
        "签名验证通过后才有，之前绝不给出：已吊销、已暂停、已过期和尚未生效的证照也有，"
        "以便窗口人员看到被拒的是谁的证照。信息只来自摘要与签名内容相符的 Disclosure。",
    "Disclosed claims, raw names": "披露的信息，原始字段名",
    "The claims as a clerk reads them: `label` is the licence type's JSON Schema `title` "
    "(else a standard Chinese label, else the name), `value` text (holder code types as "
    "居民身份证 / 统一社会信用代码)":
        "窗口人员看到的信息：`label` 为证照类型 JSON Schema 的 `title`（否则为标准中文名称，"
        "再否则为字段名），`value` 为文本（持证主体代码类型显示为 居民身份证 / 统一社会信用代码）",
    "type code -> claim -> Chinese title (the type's schema)":
        "证照类型代码 -> 信息项 -> 中文名称（来自该类型的 Schema）",
    "The name the holder knows the client by: its department's name, else the service "
    "hall's; null when the client is no longer registered. Show this, not `client_id`":
        "持证人熟知的客户端名称：其部门名称，否则为服务大厅名称；客户端已注销时为 null。"
        "请显示此项，而不是 `client_id`",
    "Where `staff` came from: `stated_by_department` is the department's own statement "
    "(X-Onegate-Staff, 部门自述), not verified by onegate; `verified_clerk` is a clerk "
    "acting under the holder's mandate (代办), named by the provider's signed token "
    "(`act`), X-Onegate-Staff then ignored; null when no staff was named":
        "`staff` 的来源：`stated_by_department` 为部门自述（X-Onegate-Staff），未经 onegate "
        "核实；`verified_clerk` 为受持证人委托代办的办事员，由身份提供方签名的令牌（`act`）"
        "指明，此时忽略 X-Onegate-Staff；未指明工作人员时为 null",
    "With `verified_clerk`: the clerk's hall or village station "
    "(show \"由 {station} {staff} 代办\")":
        "与 `verified_clerk` 一起：办事员所在的大厅或村（社区）代办点"
        "（显示为“由 {station} {staff} 代办”）",
    "The next page's URL, null on the last page": "下一页的网址，最后一页为 null",
}

EN = english(openapi_examples.DOCS, {
    ("/api/v1/verify", "post"): (
        "Send an SD-JWT VC (or the holder's presentation), the offline QR text (LIC1:), an "
        "online verification URL, or upload a photo of the QR code (multipart). Anyone may "
        "verify; a department's system verifying with its token must state `purpose`, and "
        "the verification is recorded as a use of the licence that the holder sees. The "
        "result gives the time of the check, that it was online, the date of a revocation "
        "or suspension and the issuer's public reason (never its internal one).",
        {"200": {"valid": "Verified", "revoked": "Revoked by the authority: when, and the "
                                                 "public reason"},
         "400": "A token sent without a purpose",
         "422": "No readable QR code in the photo"}),
    ("/api/v1/trust-list", "get"): (
        "Public, no token. The signed trust list: trusted issuers, their keys and the "
        "licence types each may issue; `format=json` answers JSON.",
        {"200": "One issuer"}),
    ("/api/v1/offline-bundle", "get"): (
        "Public, no token. What offline verification needs, signed as a whole: the trust "
        "list, the keys, the status lists and the public reasons of revoked and suspended "
        "licences (the reason's code and labels only, never the internal reason nor the "
        "note). A verifier caches it, verifies with no network and shows the data's age.",
        {"200": "The format=json form"}),
    ("/api/v1/holder/licenses", "get"): (
        "A service hall retrieves, with a token the holder authorised, the holder's "
        "licences of the consented types, stating a purpose; each licence retrieved is "
        "recorded as one use and one audit entry.",
        {"200": "One food business permit", "401": "The token is not a JWT"}),
    ("/api/v1/wallet/uses", "get"): (
        "The holder sees the records of use: which department or hall, when, for what "
        "purpose, verified or retrieved.", {"200": "The Nanshan service centre retrieved "
                                                   "it once"}),
})

TRANSLATIONS = Translations(ZH, EN)
