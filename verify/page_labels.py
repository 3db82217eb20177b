"""The verifier page's words in the page's language: Chinese from ``verify.labels``
(shared with the offline CLI and the pipeline's Chinese reasons), English here. The
server-rendered result and the page's script (reading ``as_json()`` from a data
block) use the same object, so both ways of verifying say the same thing.

A licence's own data stays as issued: claim titles from the type's schema, values and
names are Chinese on an English page too; only the page's wording changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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

WORDS = {
    "zh": {"type": "证照类型", "identifier": "证照标识", "issuer": "签发机构",
           "refused": "被拒证照：", "holder": "持证人", "steps": "核验步骤",
           "working": "正在核验…", "network": "网络错误，请重试。", "choose": "请先选择一张照片。",
           "error": "错误 {status}", "camera_none": "此设备无法使用摄像头，请上传照片。",
           "camera_aim": "请将证照二维码对准摄像头。", "camera_read": "已识别二维码。",
           "camera_working": "已识别二维码，正在核验…",
           "camera_denied": "无法打开摄像头，请检查权限，或上传照片。",
           "image": "无法识别图片中的二维码：", "busy": "请求过于频繁，请在 {seconds} 秒后再试。",
           "unavailable": "核验服务暂时繁忙，请在 {seconds} 秒后再试。", "colon": "："},
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
           "colon": ": "},
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
                "words": self.words}
