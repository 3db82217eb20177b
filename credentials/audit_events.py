"""Issuance and lifecycle events appended to the hash-chained audit trail (audit.log),
always in the transaction that makes the change, so a change is never stored without
its entry nor an entry without its change."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from audit import log as audit_log
from credentials.models import Licence
from credentials.public_reasons import PublicReason

#: What the trail calls each kind of issuance.
ISSUE, IMPORT, REISSUE = "licence.issue", "licence.import", "licence.reissue"


def issued(session: Session, licences: Sequence[Licence], *, actor: str,
           action: str = ISSUE) -> None:
    """One entry per new licence (type, department, version, previous version)."""
    audit_log.append_many(session, [
        {"actor": actor, "action": action, "subject": lic.identifier,
         "data": {"type": lic.type_code, "department": lic.department_code,
                  "version": lic.version, "kid": lic.kid,
                  "previous": lic.previous_identifier}}
        for lic in licences])


def changed(session: Session, licence: Licence, *, actor: str, action: str,
            previous_state: str, reason: str, public: PublicReason | None = None) -> None:
    """One entry for a suspend, reinstate or revoke (with its public reason, if any)."""
    data = {"from": previous_state, "to": licence.state, "reason": reason}
    if public is not None:
        data["public_reason"], data["public_note"] = public.code, public.note
    audit_log.append(session, actor=actor, action=f"licence.{action}",
                     subject=licence.identifier, data=data)
