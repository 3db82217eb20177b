"""The verifier page's words in the page's language: Chinese from ``verify.labels``
(shared with the offline CLI and the pipeline's Chinese reasons), English here. The
server-rendered result and the page's script (reading ``as_json()`` from a data
block) use the same object, so both ways of verifying say the same thing.

A licence's own data stays as issued: claim titles from the type's schema, values and
names are Chinese on an English page too; only the page's wording changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from verify import errors
from verify import labels as zh

STATUS_EN = {"valid": "Valid", "suspended": "Suspended", "expired": "Expired",
             "not_yet_valid": "Not yet valid", "revoked": "Revoked",
             "untrusted": "Untrusted issuer", "invalid": "Invalid"}

STEPS_EN = {
    "parse": "Reading the licence", "issuer_trusted": "Trusted issuer",
    "algorithm": "Signature algorithm", "key": "Signing key", "signature": "Digital signature",
    "time": "Validity period", "status": "Revocation and suspension",
    "disclosures": "Disclosed information", "key_binding": "Holder binding",
}

CLAIMS_EN = {"license_name": "Licence name", "holder_name": "Holder", "holder_id": "ID number",
             "holder_code": "ID number", "holder_id_type": "ID type",
             "holder_code_type": "ID type"}

#: The offline verifier's words (static/offline.js): its readiness line, refusals, ages.
OFFLINE_EN = {
    "offline_ready": "Ready to verify offline: data as of {as_of} ({age} old).",
    "offline_none": "No offline data yet: open this page once while online.",
    "offline_stale": "The offline data is too old to verify with: as of {as_of}, {age} old, "
                     "more than the {max_age} allowed. Connect to the network to update it.",
    "offline_bad": "The offline data does not carry a valid signature of this service; it "
                   "cannot be used. Connect to the network and open this page again.",
    "offline_form": "Without a network only the printed offline code (LIC1:) can be "
                    "verified; this licence needs the network.",
    "offline_alg": "This browser cannot check this signature offline; verify it online.",
    "offline_mode": "Offline: the revocation and suspension status comes from the offline "
                    "data as of {as_of} ({age} old)",
    "age_days": "{days}d {hours}h", "age_hours": "{hours}h {minutes}m",
    "age_minutes": "{minutes}m {seconds}s", "age_seconds": "{seconds}s",
}

WORDS = {
    "zh": {"type": "证照类型", "identifier": "证照标识", "issuer": "签发机构",
           "refused": "被拒证照：", "holder": "持证人", "steps": "核验步骤",
           "working": "正在核验…", "network": "网络错误，请重试。", "choose": "请先选择一张照片。",
           "error": "错误 {status}", "camera_none": "此设备无法使用摄像头，请上传照片。",
           "camera_aim": "请将证照二维码对准摄像头。", "camera_read": "已识别二维码。",
           "camera_working": "已识别二维码，正在核验…",
           "camera_denied": "无法打开摄像头，请检查权限，或上传照片。",
           "image": "无法识别图片中的二维码：", "busy": "请求过于频繁，请在 {seconds} 秒后再试。",
           "unavailable": "核验服务暂时繁忙，请在 {seconds} 秒后再试。", "colon": "：",
           **zh.OFFLINE},
    "en": {"type": "Licence type", "identifier": "Licence identifier", "issuer": "Issuer",
           "refused": "Licence refused: ", "holder": "holder", "steps": "Verification steps",
           "working": "Verifying…", "network": "Network error, please try again.",
           "choose": "Please choose a photo first.", "error": "Error {status}",
           "camera_none": "This device cannot use a camera; please upload a photo.",
           "camera_aim": "Point the camera at the licence's QR code.",
           "camera_read": "QR code read.", "camera_working": "QR code read, verifying…",
           "camera_denied": "The camera could not be opened. Check the permission, or "
                            "upload a photo.",
           "image": "No QR code could be read in the image: ",
           "busy": "Too many requests; please try again in {seconds} seconds.",
           "unavailable": "The verifier is busy; please try again in {seconds} seconds.",
           "colon": ": ", **OFFLINE_EN},
}

CLERK_EN = {
    "checked": "This check",
    "checked_at": "Checked at",
    "mode": "How",
    "online": "Online: the revocation and suspension status was read from the issuer's "
              "records at the time of the check",
    "revoked_at": "Revoked on",
    "suspended_at": "Suspended on",
    "status_reason": "Reason given by the issuer",
    "compare": "Compare the holder in person with their ID document (photo, name, ID "
               "number).",
    "details": "Licence details (signed by the issuer, disclosed by the holder)",
    "continuous": "Continuous scanning (counter mode: each code is verified as it is read)",
    "next": "Show the next licence's QR code.",
    "beijing": " (Beijing time)",
}

PROBLEMS_EN = {
    "credential-missing": "Paste a licence text, or upload a photo of its QR code.",
    "image-missing": "Please choose a photo first.",
    "image-rejected": "This image cannot be read; upload a PNG, JPEG, WebP, GIF or BMP "
                      "photo of the QR code.",
    "no-qr-code": "No readable QR code in the image; take a sharp photo of the whole code.",
    "too-large": "The text or image is too large.",
    "unsupported-media-type": "This way of sending is not supported.",
    "rate-limited": "Too many requests; please try again shortly.",
}


#: The offline verifier's check reasons, (English, Chinese) as the server's pipeline
#: words them for the offline QR form (verify.pipeline, verify.errors); the browser test
#: (tests/verify/test_offline_browser.py) holds both to the server's, check by check.
REASONS = {
    "not_reached": ("not reached", "未执行"),
    "unexpected": ("unreadable input", None),
    "parse_ok": ("offline_qr", "离线二维码"),
    "empty": ("empty input", None),
    "too_long": ("input longer than {max} characters", None),
    "unreadable": ("not a readable offline code ({code})", None),
    "neither": ("neither an SD-JWT VC, an offline code (LIC1:) nor a reference URL",
                "无法识别：既不是 SD-JWT VC 电子证照、离线码（LIC1:），也不是证照链接"),
    "untrusted": ("issuer '{iss}' is not in the trust list", "签发机构 {iss} 不在信任列表中"),
    "bad_identifier": ("bad licence identifier ({detail})", "证照标识格式错误"),
    "other_uscc": ("the identifier names another issuer's credit code",
                   "证照标识中的签发机构代码属于另一机构"),
    "type_not_allowed": ("{name} may not issue licence type {type}",
                         "{name}无权签发此类证照（{type}）"),
    "issuer_ok": ("{name} may issue {type}", "{name}有权签发{type_name}"),
    "alg_ok": ("{alg}", "签名算法 {alg}"),
    "alg_refused": ("algorithm '{alg}' is not allowed", "不允许的签名算法 {alg}"),
    "key_ok": ("kid {kid}", "{name}的签名密钥 {kid}"),
    "key_unknown": ("key '{kid}' is not published by {name} (unknown or revoked)",
                    "签名密钥不是{name}公布的有效密钥（未知或已吊销）"),
    "key_alg": ("the key is published for another algorithm", "签名密钥公布的算法与签名不符"),
    "key_unusable": ("the published key is unusable", "公布的签名密钥不可用"),
    "signature_ok": ("signature verified", "数字签名有效"),
    "signature_bad": ("signature does not verify ({code})", None),
    "future": ("issued in the future", "签发时间晚于当前时间"),
    "not_before": ("not valid before {iso}", "证照自 {beijing} 起生效"),
    "expired": ("expired at {iso}", "证照已于 {beijing} 过期"),
    "time_ok": ("valid until {iso}", "有效期至 {beijing}"),
    "no_status": ("the licence carries no status reference", "证照未登记状态列表"),
    "no_list": ("the bundle has no status list for this licence", None),
    "list_signer": ("status list is not signed by the licence's issuer", None),
    "list_bad": ("status list does not verify ({code})", None),
    "list_key": ("status list signer key is unusable", None),
    "list_index": ("status index outside the list", "证照的状态编号超出状态列表"),
    "list_value": ("unknown status value {value}", "未知的证照状态"),
    "revoked": ("revoked by the issuer", None),
    "suspended": ("suspended by the issuer", None),
    "status_ok": ("not revoked or suspended", "未被吊销或暂停"),
    "disclosures_ok": ("{count} claims", "披露 {count} 项信息"),
    "binding_ok": ("not applicable to the offline form", "未要求持有人绑定"),
}
#: Each failure's verdict and its Chinese reason when the pipeline gives none: the
#: ``verify.errors`` classes' own.
FAILURES = {
    "empty": errors.Malformed, "too_long": errors.Malformed, "unreadable": errors.Malformed,
    "neither": errors.Malformed, "untrusted": errors.UntrustedIssuer,
    "bad_identifier": errors.Malformed, "other_uscc": errors.TypeNotAllowed,
    "type_not_allowed": errors.TypeNotAllowed, "alg_refused": errors.AlgorithmNotAllowed,
    "key_unknown": errors.KeyNotFound, "key_alg": errors.KeyNotFound,
    "key_unusable": errors.KeyNotFound, "signature_bad": errors.BadSignature,
    "future": errors.NotYetValid, "not_before": errors.NotYetValid, "expired": errors.Expired,
    "no_list": errors.StatusUnavailable, "list_signer": errors.StatusUnavailable,
    "list_bad": errors.StatusUnavailable, "list_key": errors.StatusUnavailable,
    "unexpected": errors.Malformed, "list_index": errors.StatusUnavailable,
    "list_value": errors.StatusUnavailable, "revoked": errors.Revoked,
    "suspended": errors.Suspended,
}


def offline_reasons() -> dict[str, dict[str, str]]:
    """``REASONS`` for the page's script: ``{key: {en, zh, status?}}``, a failure's
    Chinese defaulting to its error class's and carrying its verdict."""
    found = {}
    for key, (english, chinese) in REASONS.items():
        failure = FAILURES.get(key)
        entry = {"en": english, "zh": chinese or (failure.zh if failure else english)}
        if failure is not None:
            entry["status"] = failure.status
        found[key] = entry
    return found


class Labels:
    """The wording of one page, Chinese unless ``english``."""

    def __init__(self, english: bool) -> None:
        self.english = english
        self.lang = "en" if english else "zh"
        self.words = WORDS[self.lang]
        self.clerk = CLERK_EN if english else {**zh.CLERK, "beijing": "（北京时间）"}
        self.problems = PROBLEMS_EN if english else zh.PROBLEMS

    def status(self, status: str) -> dict[str, str]:
        title_zh, title_en, tone = zh.STATUS.get(status, zh.STATUS["invalid"])
        return {"title": title_en if self.english else title_zh, "tone": tone}

    def step(self, name: str) -> str:
        return (STEPS_EN if self.english else zh.STEPS).get(name, name)

    def reason(self, check: dict[str, Any]) -> str:
        """A check's reason in the page's language."""
        if self.english:
            return check.get("reason") or ""
        return check.get("reason_zh") or check.get("reason") or ""

    def claim(self, item: dict[str, str]) -> str:
        """A disclosed claim's label: the standard ones translated, the type's own
        titles as the issuer wrote them."""
        return CLAIMS_EN.get(item["claim"], item["label"]) if self.english else item["label"]

    def beijing(self, stamp: str | None) -> str:
        """An RFC 3339 UTC time as the clerk reads it, in Beijing time."""
        if not self.english:
            return zh.beijing(stamp)
        try:
            at = datetime.fromisoformat((stamp or "").replace("Z", "+00:00"))
        except ValueError:
            return stamp or ""
        return at.astimezone(zh.BEIJING).strftime("%d %b %Y %H:%M:%S") + self.clerk["beijing"]

    def as_json(self) -> dict[str, Any]:
        """What the page's script needs, in the page's language."""
        return {"lang": "en" if self.english else "zh-CN",
                "status": {k: self.status(k) for k in zh.STATUS},
                "steps": {k: self.step(k) for k in zh.STEPS}, "claims": CLAIMS_EN
                if self.english else {}, "problems": self.problems, "clerk": self.clerk,
                "words": self.words, "reasons": offline_reasons(),
                "tables": {"claims": zh.CLAIMS, "code_types": zh.CODE_TYPES,
                           "hidden": list(zh.HIDDEN)}}
