"""Chinese examples and descriptions of the credentials operations (credentials.openapi
and credentials.openapi_catalogue apply them with credentials.openapi_docs.annotate).

The data is real in form: a food business permit of type ``11100000000013338W009``
issued by ``11330105002500287C`` (both from the GB 32100 / GB/T 36904 test vectors),
its identifiers with their check characters, a Shenzhen enterprise holder
(``91440300708461136T``) and the GB 11643 example citizen (``11010519491231002X``)."""

from __future__ import annotations

from typing import Any

from credentials.openapi_docs import EXAMPLE_ISSUER as ISS
from credentials.openapi_docs import Doc, problem
from identifiers import make_license_id

TYPE = "11100000000013338W009"
ISSUER_USCC = "11330105002500287C"
DEPT = "scjg"
SERIAL = "2025052201"
FIRST, CURRENT, NEXT = (str(make_license_id(TYPE, ISSUER_USCC, SERIAL, v)) for v in (1, 2, 3))
HOLDER = {"code_type": "001", "number": "91440300708461136T", "name": "深圳市鹏城餐饮管理有限公司"}
CITIZEN = {"code_type": "111", "number": "11010519491231002X", "name": "陈小红"}
CLAIMS = {"permit_number": "JY14403050000001", "business_scope":
          "预包装食品销售（含冷藏冷冻食品）；热食类食品制售"}
#: Shapes of real values, cut short (a real SD-JWT VC is 1-2 kB).
SD_JWT = ("eyJhbGciOiJFUzI1NiIsImtpZCI6IkpMZXItZktGT1lIRDliQllMaWhDckF0cGJCZEN5dkhSbmJjcVJu"
          "aWJIVlUiLCJ0eXAiOiJkYytzZC1qd3QifQ.eyJpc3MiOi...~WyJ2VGh3...~")
OFFLINE_QR = "LIC1:NCFOXN%TSMAHN-HIN85%V38K0IB5J3EU8B:BVBJ%MIVIJYKCCWC72P2/I.-61*HHH5JCP623W..."
JWK = {"kty": "EC", "crv": "P-256", "kid": "JLer-fKFOYHD9bBYLihCrAtpbBdCyvHRnbcqRnibHVU",
       "use": "sig", "alg": "ES256", "x": "vymRpx4gzGZ-p_-uQxVeZmbHWtvdGMrVWi-Pt26vTgY",
       "y": "B8IUWlOyHUU5ZBmv8UnTQc-My0BdaWA6lHjsBhAlnxc"}
PUBLIC_CEASED = {"code": "ceased", "label_zh": "持证主体已注销或停止经营",
                 "label_en": "The holder has ceased the activity", "note": "已办理食品经营许可注销"}


def licence(identifier: str = CURRENT, **changes: Any) -> dict[str, Any]:
    """A licence as the API returns it (``changes`` for a state or version)."""
    base = f"{ISS}/api/v1/licenses/{identifier}"
    body = {
        "identifier": identifier, "version": int(identifier.split(".")[-2]), "type": TYPE,
        "type_version": 1, "vct": f"{ISS}/types/{TYPE}", "department": DEPT,
        "holder": HOLDER, "claims": CLAIMS,
        "valid_from": "2026-11-28T16:00:00+00:00", "valid_until": "2031-11-28T16:00:00+00:00",
        "issued_at": "2026-11-29T02:15:31.402113+00:00", "state": "valid",
        "state_reason": None, "state_changed_at": None, "public_reason": None,
        "previous": FIRST if identifier == CURRENT else None, "superseded_by": None,
        "sd_jwt": SD_JWT, "offline_qr": OFFLINE_QR,
        "status": {"idx": 4711, "uri": f"{ISS}/issuers/{DEPT}/status/2cb0bdc2ba04de4c"},
        "links": {"self": base, "qr_png": base + "/qr.png", "qr_svg": base + "/qr.svg",
                  "offline_qr_png": base + "/qr.png",
                  "reference_qr_png": base + "/reference-qr.png",
                  "reference_qr_svg": base + "/reference-qr.svg",
                  "reference_url": f"{ISS}/v/{identifier}?t=Yp3kQ0vX9mR2sT7wZ4aB1c"}}
    body.update(changes)
    return body


ISSUE = {"type": TYPE, "holder": HOLDER, "claims": CLAIMS, "valid_from": "2026-11-29"}
REVOKED = licence(state="revoked", state_reason="市场监管局行政处罚决定书 深市监罚〔2026〕118 号",
                  state_changed_at="2026-11-29T06:40:12.518220+00:00",
                  public_reason={**PUBLIC_CEASED, "code": "revoked_by_authority",
                                 "label_zh": "被主管部门依法吊销",
                                 "label_en": "Revoked by the competent authority",
                                 "note": "依据行政处罚决定书"})
SUSPENDED = licence(state="suspended", state_reason="群众举报，现场核查中",
                    state_changed_at="2026-11-29T03:02:44.120931+00:00",
                    public_reason={"code": "under_review", "label_zh": "核查中",
                                   "label_en": "Under review", "note": None})
TRANSITION_422 = problem("validation-failed", 422, "Validation failed",
                         "the public reason is not usable",
                         [{"field": "public_reason", "reason": "unknown_code",
                           "message": "one of: superseded, ceased, revoked_by_authority, "
                                      "suspended_by_authority, under_review, error, "
                                      "holder_request"}])
CONFLICT = problem("invalid-transition", 409, "Invalid state transition",
                   "cannot suspend a revoked licence", [{"field": "state", "reason": "is_revoked"}])
ISSUE_422 = problem("validation-failed", 422, "Validation failed", "the request is not valid",
                    [{"field": "holder.number", "reason": "bad_check_character",
                      "message": "统一社会信用代码校验码错误"},
                     {"field": "claims.permit_number", "reason": "pattern",
                      "message": "'JY1440305' does not match '^JY[0-9]{14}$'"}])
WALLET_ITEM = {"identifier": CURRENT, "type": TYPE, "type_name": "食品经营许可证",
               "holder_name": HOLDER["name"], "state": "valid", "expired": False,
               "valid_from": "2026-11-28T16:00:00+00:00",
               "valid_until": "2031-11-28T16:00:00+00:00", "state_changed_at": None,
               "public_reason": None}
PUBLIC = "公开接口，无需令牌。"
NEEDS_DEPARTMENT = ("需要部门系统的 client_credentials 令牌"
                    "（scope `licenses:issue:<证照类型代码>`）。")


def _lifecycle(zh: str, what: str, request: dict, ok: dict) -> Doc:
    return Doc(zh, f"{what} {NEEDS_DEPARTMENT} `reason` 是内部原因，只记入审计日志，"
               "绝不出现在核验结果中；`public_reason` 与 `public_note` "
               "是向核验方和持证人公开的原因。",
               request=request, responses={"200": ok, "409": CONFLICT, "422": TRANSITION_422},
               notes={"409": "证照已吊销，不能再暂停", "422": "公开原因代码不在清单中"})


DOCS: dict[tuple[str, str], Doc] = {
    ("/api/v1/licenses", "post"): Doc(
        "签发一张电子证照",
        f"部门业务系统签发一张证照：证照类型、持证主体（统一社会信用代码或居民身份证号码，"
        f"均校验校验码）与该类型 JSON Schema 规定的证照信息。{NEEDS_DEPARTMENT} "
        "返回 SD-JWT VC、离线二维码文本与状态列表位置；"
        "带相同 `Idempotency-Key` 重发返回同一张证照。",
        request=ISSUE, responses={"201": licence(), "422": ISSUE_422},
        notes={"201": "已签发的食品经营许可证", "422": "信用代码校验码错误且许可证编号格式不符"}),
    ("/api/v1/licenses:batch", "post"): Doc(
        "批量签发证照（每批最多 1000 张）",
        f"逐项签发，单项失败不影响其他项，结果按序号返回。{NEEDS_DEPARTMENT}",
        request={"items": [ISSUE, {**ISSUE, "holder": {**HOLDER, "number": "91440300708461136X"}}]},
        responses={"200": {"issued": 1, "rejected": 1, "results": [
            {"index": 0, "status": 201, "replayed": False, "licence": licence()},
            {"index": 1, "status": 422, "problem": ISSUE_422}]}},
        notes={"200": "一项签发成功，一项因信用代码校验码错误被拒"}),
    ("/api/v1/licenses/{id}", "get"): Doc(
        "查询一张证照",
        "签发部门（同上令牌）或持证人本人（wallet 令牌）读取证照及其当前状态。",
        responses={"200": SUSPENDED}, notes={"200": "核查中被暂停的证照"}),
    ("/api/v1/licenses/{id}/suspend", "post"): _lifecycle(
        "暂停证照", "暂停一张有效证照（状态列表值 2），核验结果为“已暂停”。",
        {"reason": "群众举报，现场核查中", "public_reason": "under_review"}, SUSPENDED),
    ("/api/v1/licenses/{id}/reinstate", "post"): Doc(
        "恢复被暂停的证照",
        "核查无误后恢复为有效，公开原因随之清除（恢复时不接受 `public_reason`）。"
        + NEEDS_DEPARTMENT,
        request={"reason": "现场核查无误"}, responses={"200": licence()},
        notes={"200": "已恢复有效"}),
    ("/api/v1/licenses/{id}/revoke", "post"): _lifecycle(
        "吊销或注销证照（不可恢复）", "吊销或注销一张证照（状态列表值 1，终态）。",
        {"reason": "市场监管局行政处罚决定书 深市监罚〔2026〕118 号",
         "public_reason": "revoked_by_authority", "public_note": "依据行政处罚决定书"}, REVOKED),
    ("/api/v1/licenses/{id}/reissue", "post"): Doc(
        "换发新版本证照",
        f"以变更后的证照信息签发下一版本（版本号加一，校验码重算），旧版本随即吊销，公开原因为"
        f"“已换发新证”（`superseded`）。{NEEDS_DEPARTMENT}",
        request={"claims": {**CLAIMS, "business_scope": "预包装食品销售；热食类食品制售；"
                            "冷食类食品制售"}, "reason": "经营项目变更"},
        responses={"201": licence(NEXT, previous=CURRENT)}, notes={"201": "第 003 版证照"}),
    ("/api/v1/licenses/{id}/qr.png", "get"): Doc(
        "离线二维码图片（PNG）",
        "证照离线核验二维码（LIC1: 文本，纠错等级 Q），签发部门或持证人可取。"),
    ("/api/v1/licenses/{id}/qr.svg", "get"): Doc(
        "离线二维码图片（SVG）", "同上，矢量格式，便于打印。"),
    ("/api/v1/licenses/{id}/reference-qr.png", "get"): Doc(
        "在线核验链接二维码（PNG）",
        "二维码内容为带一次性令牌的在线核验网址，扫码即在 /v/ 页面核验。"),
    ("/api/v1/licenses/{id}/reference-qr.svg", "get"): Doc(
        "在线核验链接二维码（SVG）", "同上，矢量格式。"),
    ("/api/v1/wallet/licenses", "get"): Doc(
        "我的证照列表", "持证人（wallet 令牌，身份信息在令牌中）查看名下证照及其状态和公开原因。",
        responses={"200": {"licenses": [WALLET_ITEM]}}, notes={"200": "一张有效证照"}),
    ("/api/v1/wallet/licenses/{id}", "get"): Doc(
        "我的一张证照", "持证人查看一张证照的全部信息与状态。",
        responses={"200": {**SUSPENDED, "type_name": "食品经营许可证", "expired": False,
                           "disclosable": ["business_scope", "holder_id"]}},
        notes={"200": "被暂停的证照"}),
    ("/api/v1/wallet/licenses/{id}/present", "post"): Doc(
        "出示证照（选择披露）",
        "持证人选择要披露的信息项，得到只含这些信息的 SD-JWT 出示文本及二维码。",
        request={"disclose": ["business_scope"]},
        responses={"200": {"presentation": SD_JWT, "disclosed": ["business_scope"],
                           "qr_png": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA..."}},
        notes={"200": "只披露经营项目"}),
    ("/api/v1/openapi.json", "get"): Doc(
        "本接口说明（OpenAPI 3.1）", f"{PUBLIC}渲染后的版本见 /api/docs。",
        responses={"200": {"openapi": "3.1.0", "info": {"title": "onegate electronic licences",
                                                       "version": "1.0.0"}, "paths": {}}},
        notes={"200": "文档开头"}),
    ("/api/v1/problems/{slug}", "get"): Doc(
        "错误类型说明", f"{PUBLIC}每个 RFC 9457 错误的 `type` 都指向这里。",
        responses={"200": {"type": "validation-failed", "title": "Validation failed",
                           "status": 422, "description": "Well-formed JSON, but fields are "
                           "invalid (identifiers, schema, dates)."}},
        notes={"200": "字段校验失败的说明"}),
    ("/issuers/{code}", "get"): Doc(
        "签发机构信息", f"{PUBLIC}签发部门的名称、统一社会信用代码与公钥地址。",
        responses={"200": {"issuer": f"{ISS}/issuers/{DEPT}", "name": "深圳市市场监督管理局",
                           "uscc": ISSUER_USCC, "jwks_uri": f"{ISS}/issuers/{DEPT}/jwks"}},
        notes={"200": "市场监管部门"}),
    ("/issuers/{code}/jwks", "get"): Doc(
        "签发机构公钥集", f"{PUBLIC}含已退役的密钥，以便核验其签发过的证照。",
        responses={"200": {"keys": [JWK]}}, notes={"200": "一把 ES256 密钥"}),
    ("/.well-known/jwt-vc-issuer/issuers/{code}", "get"): Doc(
        "SD-JWT VC 签发者元数据", f"{PUBLIC}按 SD-JWT VC 规范发布的签发者与公钥。",
        responses={"200": {"issuer": f"{ISS}/issuers/{DEPT}", "jwks": {"keys": [JWK]}}},
        notes={"200": "签发者元数据"}),
    ("/issuers/{code}/status/{list_id}", "get"): Doc(
        "证照状态列表", f"{PUBLIC}IETF Token Status List（每张证照 2 位：0 有效，1 吊销，2 暂停），"
        "签名的 JWT，带 ETag 与缓存时间。"),
    ("/types/{type_code}", "get"): Doc(
        "证照类型元数据（第 1 版）",
        f"{PUBLIC}SD-JWT VC 类型元数据：名称、信息项 Schema 与披露规则。",
        responses={"200": {"vct": f"{ISS}/types/{TYPE}", "name": "食品经营许可证",
                           "display": [{"lang": "zh-CN", "name": "食品经营许可证"},
                                       {"lang": "en", "name": "Food business permit"}],
                           "version": 1, "status": "active", "holder_kind": "enterprise"}},
        notes={"200": "食品经营许可证"}),
    ("/types/{type_code}/versions/{version}", "get"): Doc(
        "证照类型元数据（后续版本）", f"{PUBLIC}第 2 版起每个版本的类型元数据。",
        responses={"200": {"vct": f"{ISS}/types/{TYPE}/versions/2", "name": "食品经营许可证",
                           "version": 2, "status": "active", "holder_kind": "enterprise"}},
        notes={"200": "第 2 版"}),
}
