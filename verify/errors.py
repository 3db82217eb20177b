"""Why a verification failed: one class per kind of failure, each naming its step.

Every class carries ``step`` (the pipeline step that raised it), ``status`` (the
verdict it leads to), ``zh`` (a Chinese reason for clerks, used when the raiser gives
none) and the instance's ``reason`` (English, for people and logs; may change) and
``reason_zh``. The pipeline catches them in one place and turns them into a
VerificationResult.
"""

from __future__ import annotations


class VerificationFailed(Exception):
    """Base: the presented licence does not verify."""

    step = "parse"
    status = "invalid"
    zh = "证照未通过核验"

    def __init__(self, reason: str, zh: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.reason_zh = zh or self.zh


class Malformed(VerificationFailed):
    """Not a licence we can read: garbage, truncated, wrong prefix, wrong typ."""

    step = "parse"
    zh = "无法识别的证照内容（不是电子证照、内容不完整或格式错误）"


class UntrustedIssuer(VerificationFailed):
    """The issuer is not in the trust list."""

    step = "issuer_trusted"
    status = "untrusted"
    zh = "签发机构不在信任列表中"


class TypeNotAllowed(VerificationFailed):
    """The issuer is trusted, but not for this licence type."""

    step = "issuer_trusted"
    status = "untrusted"
    zh = "该签发机构无权签发此类证照"


class AlgorithmNotAllowed(VerificationFailed):
    step = "algorithm"
    zh = "不允许的签名算法"


class KeyNotFound(VerificationFailed):
    """The kid is not among the issuer's published keys (unknown or revoked)."""

    step = "key"
    zh = "签名密钥未公布或已被吊销"


class BadSignature(VerificationFailed):
    step = "signature"
    zh = "数字签名验证失败，证照可能被篡改"


class InvalidTime(VerificationFailed):
    """A time claim is missing or not a NumericDate."""

    step = "time"
    zh = "证照的时间信息缺失或格式错误"


class Expired(VerificationFailed):
    step = "time"
    status = "expired"
    zh = "证照已过有效期"


class NotYetValid(VerificationFailed):
    step = "time"
    status = "not_yet_valid"
    zh = "证照尚未生效"


class Revoked(VerificationFailed):
    step = "status"
    status = "revoked"
    zh = "签发机构已吊销该证照"


class Suspended(VerificationFailed):
    step = "status"
    status = "suspended"
    zh = "签发机构已暂停该证照"


class StatusUnavailable(VerificationFailed):
    """The status list could not be fetched or did not verify: no verdict without it."""

    step = "status"
    zh = "无法取得可信的证照状态，不能给出结论"


class BadDisclosure(VerificationFailed):
    """A Disclosure's digest is not in the signed payload, or one appears twice."""

    step = "disclosures"
    zh = "披露的信息与签名不符，证照可能被篡改"


class KeyBindingFailed(VerificationFailed):
    step = "key_binding"
    zh = "持有人绑定验证失败"


class ReferenceUnresolved(VerificationFailed):
    """An online reference URL whose identifier and token do not name a licence."""

    step = "parse"
    zh = "证照链接无法解析到本系统签发的证照"


class ForeignReference(VerificationFailed):
    """An online reference URL on another origin than this service's ISSUER."""

    step = "parse"
    zh = "证照链接不属于本系统，不能据此核验"
