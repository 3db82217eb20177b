"""Chinese (first) and English labels for verdicts, steps and claims, shared by the
server-rendered result, the offline CLI and the page's script (which reads them from
a JSON data block).

Claim names are labelled with the ``title`` of the licence type's JSON Schema (carried
by the trust list as ``claim_titles``), falling back to ``CLAIMS`` for the standard
claims every licence carries, then to the raw name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

BEIJING = timezone(timedelta(hours=8), "CST")

STATUS = {
    "valid": ("有效", "Valid", "ok"),
    "suspended": ("已暂停", "Suspended", "warn"),
    "expired": ("已过期", "Expired", "warn"),
    "not_yet_valid": ("尚未生效", "Not yet valid", "warn"),
    "revoked": ("已吊销", "Revoked", "bad"),
    "untrusted": ("签发机构不可信", "Untrusted issuer", "bad"),
    "invalid": ("无效", "Invalid", "bad"),
}

STEPS = {
    "parse": "读取证照",
    "issuer_trusted": "签发机构可信",
    "algorithm": "签名算法",
    "key": "签名密钥",
    "signature": "数字签名",
    "time": "有效期",
    "status": "吊销/暂停状态",
    "disclosures": "披露信息",
    "key_binding": "持有人绑定",
}

#: The standard claims of every licence (credentials.signing and the offline form).
CLAIMS = {
    "license_id": "证照标识",
    "licence_id": "证照标识",
    "license_type": "证照类型代码",
    "licence_type": "证照类型代码",
    "license_name": "证照名称",
    "holder_name": "持证人",
    "holder_id": "证件号码",
    "holder_code": "证件号码",
    "holder_id_type": "证件类型",
    "holder_code_type": "证件类型",
}

#: Holder code types (GB/T 2261.x style codes used by the national e-licence rules).
CODE_TYPES = {"111": "居民身份证", "001": "统一社会信用代码"}
_CODE_TYPE_CLAIMS = ("holder_id_type", "holder_code_type")

#: Shown as their own rows (identifier, type), not again among the claims.
HIDDEN = ("license_id", "license_type", "licence_id", "licence_type")

#: The result page's fixed rows.
FIELDS = {
    "identifier": "证照标识",
    "type": "证照类型",
    "issuer_name": "签发机构",
    **{k: v for k, v in CLAIMS.items() if k not in HIDDEN},
}


#: Problems the page's script may meet from /api/v1/verify, by problem type slug.
PROBLEMS = {
    "credential-missing": "请粘贴证照文本，或上传二维码照片。",
    "image-missing": "请先选择一张照片。",
    "image-rejected": "无法识别这张图片，请上传 PNG、JPEG、WebP、GIF 或 BMP 格式的二维码照片。",
    "no-qr-code": "图片中没有找到可识别的二维码，请重拍清晰、完整的二维码。",
    "too-large": "内容或图片过大。",
    "unsupported-media-type": "不支持的提交方式。",
    "rate-limited": "请求过于频繁，请稍后再试。",
}


#: What the result tells the clerk besides the verdict (the page and its script).
CLERK = {
    "checked": "本次核验",
    "checked_at": "核验时间",
    "mode": "核验方式",
    "online": "在线核验，吊销/暂停状态为核验时从签发机构记录实时查询",
    "revoked_at": "吊销时间",
    "suspended_at": "暂停时间",
    "status_reason": "签发机构公开的原因",
    "compare": "请当面核对持证人本人与其身份证件（照片、姓名、证件号码）是否一致。",
    "details": "证照信息（签发机构签名，持证人选择披露）",
    "continuous": "连续扫码（柜台模式：识别后自动核验，接着扫下一张）",
    "next": "请出示下一张证照二维码。",
}


#: The offline verifier's words in Chinese (English in verify.page_labels).
OFFLINE = {
    "offline_ready": "可离线核验：数据截至 {as_of}（{age}前）。",
    "offline_none": "尚无离线数据：请在联网时打开本页一次。",
    "offline_stale": "离线数据已过期，不能用于核验：数据截至 {as_of}，已有 {age}，"
                     "超过允许的 {max_age}。请联网更新。",
    "offline_bad": "离线数据没有本系统的有效签名，不能使用。请联网后重新打开本页。",
    "offline_form": "无网络时只能核验打印的离线码（LIC1:），此证照需要联网核验。",
    "offline_alg": "此浏览器无法离线验证这种签名，请联网核验。",
    "offline_mode": "离线核验，吊销/暂停状态取自离线数据（数据截至 {as_of}，{age}前）",
    "age_days": "{days}天{hours}小时", "age_hours": "{hours}小时{minutes}分钟",
    "age_minutes": "{minutes}分{seconds}秒", "age_seconds": "{seconds}秒",
}


def beijing(stamp: str | None) -> str:
    """An RFC 3339 UTC time (``...Z``) as clerks read it: Beijing time, to the second."""
    if not stamp:
        return ""
    try:
        at = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    return at.astimezone(BEIJING).strftime("%Y年%m月%d日 %H:%M:%S") + "（北京时间）"


def claim_label(name: str, titles: Mapping[str, str] | None = None) -> str:
    """The Chinese label of a claim: the type's schema title, the standard table, the name."""
    title = (titles or {}).get(name)
    if isinstance(title, str) and title:
        return title
    return CLAIMS.get(name, name)


def claim_value(name: str, value: Any) -> str:
    """A claim's value as a clerk reads it."""
    if name in _CODE_TYPE_CLAIMS and isinstance(value, str | int):
        return CODE_TYPES.get(str(value), str(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return "、".join(str(v) for v in value)
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def display(claims: Mapping[str, Any], titles: Mapping[str, str] | None = None
            ) -> list[dict[str, str]]:
    """``[{claim, label, value}]`` in the licence's order, for the page and the CLI."""
    return [{"claim": name, "label": claim_label(name, titles), "value": claim_value(name, value)}
            for name, value in claims.items() if name not in HIDDEN]


def as_json() -> dict:
    return {"status": {k: {"zh": v[0], "en": v[1], "tone": v[2]} for k, v in STATUS.items()},
            "steps": STEPS, "fields": FIELDS, "problems": PROBLEMS, "clerk": CLERK}
