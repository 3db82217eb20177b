"""The public reason of a suspension or revocation: what a verifier and the holder may
read about why a licence stopped being valid, as opposed to the issuer's internal
``reason`` (recorded with the actor and in the audit trail, never shown to verifiers).

A public reason is a short code from a fixed list (each with a Chinese and an English
label, so every verifier shows the same words) and an optional short note. Both are
optional; a reinstated licence has none."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from credentials.errors import FieldError, ValidationFailed

#: code -> (Chinese label, English label). Add codes at the end; never reuse one.
REASONS: dict[str, tuple[str, str]] = {
    "superseded": ("已换发新证", "Superseded by a new licence"),
    "ceased": ("持证主体已注销或停止经营", "The holder has ceased the activity"),
    "revoked_by_authority": ("被主管部门依法吊销", "Revoked by the competent authority"),
    "suspended_by_authority": ("被主管部门依法暂扣", "Suspended by the competent authority"),
    "under_review": ("核查中", "Under review"),
    "error": ("证照信息有误", "Issued in error"),
    "holder_request": ("持证人申请", "At the holder's request"),
}
CODES = tuple(REASONS)
MAX_NOTE = 200


@dataclass(frozen=True)
class PublicReason:
    """A checked public reason: ``code`` from CODES, ``note`` stripped or None."""

    code: str
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        zh, en = REASONS.get(self.code, (self.code, self.code))
        return {"code": self.code, "label_zh": zh, "label_en": en, "note": self.note}


def check(code: Any, note: Any) -> PublicReason | None:
    """The public reason of a request's ``public_reason`` and ``public_note``.

    Raises ValidationFailed naming each bad field: an unknown code (``unknown_code``), a
    note that is not a string (``not_a_string``), longer than MAX_NOTE (``too_long``) or
    with control characters (``bad_character``), or a note without a code
    (``required`` on public_reason)."""
    errors = []
    if code is not None and (not isinstance(code, str) or code not in REASONS):
        errors.append(FieldError("public_reason", "unknown_code",
                                 "one of: " + ", ".join(CODES)))
    note = _note(note, errors)
    if note is not None and code is None:
        errors.append(FieldError("public_reason", "required", "a note needs a reason code"))
    if errors:
        raise ValidationFailed("the public reason is not usable", errors)
    return PublicReason(str(code), note) if code is not None else None


def _note(note: Any, errors: list[FieldError]) -> str | None:
    if note is None:
        return None
    if not isinstance(note, str):
        errors.append(FieldError("public_note", "not_a_string"))
        return None
    if len(note) > MAX_NOTE:
        errors.append(FieldError("public_note", "too_long", f"at most {MAX_NOTE} characters"))
    elif not note.isprintable():
        errors.append(FieldError("public_note", "bad_character"))
    return note.strip() or None


def of(code: str | None, note: str | None) -> dict[str, Any] | None:
    """The JSON of a stored public reason (None when there is none)."""
    return PublicReason(code, note).to_json() if code else None
