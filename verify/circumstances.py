"""The circumstances of a check, for the clerk who acts on it: when it was made,
online or offline and how old the data behind the verdict was, and -- for a revoked
or suspended licence the issuer's record holds -- since when, and the issuer's public
reason where it gave one (never its internal reason).

The web verifier and the API verify online: the status comes from the issuer's own
records at the moment of the check (``status_as_of`` is the check's time). The offline
CLI reports the age of its bundle instead (verify.cli)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from credentials import public_reasons
from credentials.models import Licence
from verify.result import VerificationResult

#: The states whose date a clerk is shown (the issuer's record says when it changed).
CHANGED_STATES = ("revoked", "suspended")


def online(result: VerificationResult, at: datetime,
           session: Session | None = None) -> dict[str, Any]:
    """``{checked_at, mode, status_as_of, status_changed_at, status_reason}`` of an
    online check made at ``at``; the last two are read from ``session`` only for a
    revoked or suspended licence (None otherwise, or when the issuer's record is not
    ours). ``status_reason`` is public_reasons' JSON (code, both labels, note)."""
    stamp = iso(at)
    changed_at, reason = _changed(result, session)
    return {"checked_at": stamp, "mode": "online", "status_as_of": stamp,
            "status_changed_at": changed_at, "status_reason": reason}


def _changed(result: VerificationResult,
             session: Session | None) -> tuple[str | None, dict[str, Any] | None]:
    identifier = (result.license or {}).get("identifier")
    if result.status not in CHANGED_STATES or session is None or not identifier:
        return None, None
    row = session.execute(select(Licence.state_changed_at, Licence.public_reason,
                                 Licence.public_note)
                          .where(Licence.identifier == identifier,
                                 Licence.state == result.status)).first()
    if row is None:
        return None, None
    return (iso(row.state_changed_at) if row.state_changed_at else None,
            public_reasons.of(row.public_reason, row.public_note))


def iso(at: datetime) -> str:
    """UTC, to the second, with a Z (RFC 3339)."""
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
