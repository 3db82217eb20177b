"""Chinese (first) and English labels for verdicts and steps, shared by the server-rendered
result and the page's script (which reads them from a JSON data block)."""

from __future__ import annotations

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

FIELDS = {
    "identifier": "证照标识",
    "type": "证照类型",
    "issuer_name": "签发机构",
    "holder_name": "持证主体",
    "holder_id": "持证主体代码",
    "holder_code": "持证主体代码",
    "license_name": "证照名称",
}


def as_json() -> dict:
    return {"status": {k: {"zh": v[0], "en": v[1], "tone": v[2]} for k, v in STATUS.items()},
            "steps": STEPS, "fields": FIELDS}
