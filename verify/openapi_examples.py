"""Chinese examples and descriptions of verify's operations (applied in verify.openapi
with credentials.openapi_docs.annotate): the food business permit of
credentials.openapi_examples, verified valid and revoked, reused by a service hall."""

from __future__ import annotations

from typing import Any

from credentials.openapi_docs import EXAMPLE_ISSUER as ISS
from credentials.openapi_docs import Doc, Several, problem
from credentials.openapi_examples import (
    CLAIMS,
    CURRENT,
    DEPT,
    HOLDER,
    ISSUER_USCC,
    JWK,
    OFFLINE_QR,
    SD_JWT,
    TYPE,
)

ISSUER_NAME = "深圳市市场监督管理局"
STEPS = [("parse", "sd_jwt_vc", "SD-JWT VC 电子证照"),
         ("issuer_trusted", f"{ISSUER_NAME} may issue {TYPE}",
          f"{ISSUER_NAME}有权签发食品经营许可证"),
         ("algorithm", "ES256", "签名算法 ES256"),
         ("key", f"kid {JWK['kid']}", f"{ISSUER_NAME}的签名密钥 {JWK['kid']}"),
         ("signature", "signature verified", "数字签名有效"),
         ("time", "valid until 2031-11-28T16:00:00Z", "有效期至 2031年11月29日 00:00（北京时间）"),
         ("status", "not revoked or suspended", "未被吊销或暂停"),
         ("disclosures", "9 claims", "披露 9 项信息"),
         ("key_binding", "not requested", "未要求持有人绑定")]
LICENCE = {
    "identifier": CURRENT, "type": TYPE, "type_name": "食品经营许可证",
    "issuer": f"{ISS}/issuers/{DEPT}", "issuer_name": ISSUER_NAME, "issuer_code": DEPT,
    "holder_name": HOLDER["name"], "iat": 1795918531, "nbf": 1795918531, "exp": 1953685200,
    "claims": {**CLAIMS, "holder_name": HOLDER["name"], "holder_id": HOLDER["number"],
               "holder_id_type": "001", "license_id": CURRENT, "license_type": TYPE,
               "license_name": "食品经营许可证"},
    "display": [{"claim": "license_name", "label": "证照名称", "value": "食品经营许可证"},
                {"claim": "holder_name", "label": "持证人", "value": HOLDER["name"]},
                {"claim": "holder_id_type", "label": "证件类型", "value": "统一社会信用代码"},
                {"claim": "holder_id", "label": "证件号码", "value": HOLDER["number"]},
                {"claim": "permit_number", "label": "许可证编号", "value": CLAIMS["permit_number"]},
                {"claim": "business_scope", "label": "经营项目",
                 "value": CLAIMS["business_scope"]}]}


def _checks(failed: str | None = None, reason: tuple[str, str] = ("", "")) -> list[dict]:
    out: list[dict[str, Any]] = []
    for step, en, zh in STEPS:
        if failed and out and out[-1]["ok"] is not True:
            out.append({"step": step, "ok": None, "reason": "not checked",
                        "reason_zh": "未检查"})
        elif step == failed:
            out.append({"step": step, "ok": False, "reason": reason[0], "reason_zh": reason[1]})
        else:
            out.append({"step": step, "ok": True, "reason": en, "reason_zh": zh})
    return out


VALID = {"valid": True, "status": "valid", "form": "sd_jwt_vc",
         "reason": "all checks passed", "reason_zh": "全部核验通过",
         "checked": {"checked_at": "2026-11-29T06:58:03Z", "mode": "online",
                     "status_as_of": "2026-11-29T06:58:03Z", "status_changed_at": None,
                     "status_reason": None},
         "checks": _checks(), "license": LICENCE}
REVOKED = {"valid": False, "status": "revoked", "form": "offline_qr",
           "reason": "revoked by the issuer", "reason_zh": "签发机构已吊销该证照",
           "checked": {"checked_at": "2026-11-29T07:05:41Z", "mode": "online",
                       "status_as_of": "2026-11-29T07:05:41Z",
                       "status_changed_at": "2026-11-29T06:40:12Z",
                       "status_reason": {"code": "revoked_by_authority",
                                         "label_zh": "被主管部门依法吊销",
                                         "label_en": "Revoked by the competent authority",
                                         "note": "依据行政处罚决定书"}},
           "checks": _checks("status", ("revoked by the issuer", "签发机构已吊销该证照")),
           "license": {**LICENCE, "claims": {"holder_name": HOLDER["name"],
                                             "permit_number": CLAIMS["permit_number"]}}}
TRUST_LIST = {"iss": ISS, "iat": 1795961288, "exp": 1796047688, "issuers": [{
    "issuer": f"{ISS}/issuers/{DEPT}", "code": DEPT, "name": ISSUER_NAME, "uscc": ISSUER_USCC,
    "jwks": {"keys": [JWK]}, "licence_types": [TYPE], "type_names": {TYPE: "食品经营许可证"},
    "claim_titles": {TYPE: {"permit_number": "许可证编号", "business_scope": "经营项目"}}}]}
HALL = "sz-nanshan-hall"
PURPOSE = "办理食品经营许可变更登记"
STAFF_401 = problem("invalid-token", 401, "Invalid access token", "token is not a JWT")

DOCS: dict[tuple[str, str], Doc] = {
    ("/api/v1/verify", "post"): Doc(
        "核验一张电子证照",
        "提交 SD-JWT VC（或持证人的出示文本）、离线二维码文本（LIC1:）、在线核验网址，"
        "或上传二维码照片（multipart）。任何人都可核验；部门系统带令牌核验时须填写 `purpose`，"
        "本次核验记为一次用证，持证人可见。结果说明核验时间、在线核验、吊销或暂停的时间"
        "与签发机构公开的原因（不含内部原因）。",
        request={"credential": SD_JWT, "purpose": PURPOSE},
        responses={"200": Several(valid=("核验通过", VALID), revoked=(
            "已被依法吊销：吊销时间与公开原因", REVOKED)), "400": problem(
            "purpose", 400, "Purpose required", "purpose is required",
            [{"field": "purpose", "reason": "required"}]), "422": problem(
            "no-qr-code", 422, "No QR code found", "no readable QR code in the image",
            [{"field": "image", "reason": "no_qr_code",
              "message": "no readable QR code in the image"}])},
        notes={"400": "带令牌核验却未填写用途", "422": "照片中没有可识别的二维码"}),
    ("/api/v1/trust-list", "get"): Doc(
        "信任列表", "公开接口，无需令牌。签名的信任列表：可信签发机构、其公钥与可签发的证照类型；"
        "`format=json` 返回 JSON。",
        responses={"200": TRUST_LIST}, notes={"200": "一个签发机构"}),
    ("/api/v1/offline-bundle", "get"): Doc(
        "离线核验包", "公开接口，无需令牌。离线核验所需的信任列表、公钥、状态列表及已吊销或"
        "暂停证照的公开原因（只含原因代码与中英文说明，不含内部原因与备注），整体签名；"
        "核验端缓存后可断网核验并显示数据时间。",
        responses={"200": {"bundle": "eyJhbGciOiJFUzI1NiIsImtpZCI6IjlQelZrdTJKWDhFTFJjT2dMLVlV"
                                     "U1RYeVRMeklzQWFkYTRKSU1BcGhjOU0iLCJ0eXAiOiJvbmVnYXRlLWJ1"
                                     "bmRsZStqd3QifQ.eyJ...",
                           "provider_jwks": {"keys": [JWK]}}},
        notes={"200": "format=json 的形式"}),
    ("/api/v1/holder/licenses", "get"): Doc(
        "经持证人同意调取证照", "服务大厅凭持证人授权的令牌调取其同意类型的证照，须写明用途；"
        "每调取一张记一次用证并写入审计日志。",
        responses={"200": {"licenses": [{
            "identifier": CURRENT, "type": TYPE, "department": DEPT, "state": "valid",
            "holder_name": HOLDER["name"], "claims": CLAIMS,
            "valid_from": "2026-11-28T16:00:00+00:00",
            "valid_until": "2031-11-28T16:00:00+00:00", "sd_jwt": SD_JWT,
            "offline_qr": OFFLINE_QR}], "types": [TYPE], "limit": 20, "offset": 0,
            "next": None}, "401": STAFF_401},
        notes={"200": "一张食品经营许可证", "401": "令牌不是 JWT"}),
    ("/api/v1/wallet/uses", "get"): Doc(
        "谁使用了我的证照", "持证人查看用证记录：哪个部门或大厅、何时、为何用途、核验还是调取。",
        responses={"200": {"uses": [{
            "at": "2026-11-29T07:05:41Z", "kind": "retrieve", "client_id": HALL,
            "client_name": "深圳市南山区政务服务中心", "staff": "窗口-03 王敏",
            "staff_source": "stated_by_department", "licence_identifier": CURRENT,
            "purpose": PURPOSE, "result": None}], "limit": 20, "offset": 0, "next": None}},
        notes={"200": "南山区政务服务中心调取了一次"}),
}
