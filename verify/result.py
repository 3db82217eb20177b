"""What a verification returns: a verdict, each step's outcome, and the licence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STATUSES = ("valid", "revoked", "suspended", "expired", "not_yet_valid", "untrusted", "invalid")


@dataclass(frozen=True)
class Check:
    """One step's outcome; ``ok`` is None for steps not reached after a failure.
    ``reason`` is English (stable enough for logs and clients), ``reason_zh`` the same
    for clerks, in Chinese."""

    step: str
    ok: bool | None
    reason: str
    reason_zh: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"step": self.step, "ok": self.ok, "reason": self.reason,
                "reason_zh": self.reason_zh or self.reason}


@dataclass(frozen=True)
class VerificationResult:
    """``license`` is filled once the signature has verified (never from unsigned data);
    its ``claims`` once the Disclosures have been checked."""

    valid: bool
    status: str
    checks: tuple[Check, ...]
    license: dict[str, Any] | None = None
    form: str | None = None
    failed_step: str | None = field(default=None)
    #: (idx, uri) of the licence's Token Status List entry, once the status step read
    #: it (an offline verifier looks the bundle's public reason up by it); not sent.
    status_reference: tuple[int, str] | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"valid": self.valid, "status": self.status, "form": self.form,
                "reason": self.reason, "reason_zh": self.reason_zh,
                "checks": [check.to_json() for check in self.checks],
                "license": self.license}

    @property
    def reason(self) -> str:
        failed = next((c for c in self.checks if c.ok is False), None)
        return failed.reason if failed else "all checks passed"

    @property
    def reason_zh(self) -> str:
        failed = next((c for c in self.checks if c.ok is False), None)
        return (failed.reason_zh or failed.reason) if failed else "全部核验通过"
