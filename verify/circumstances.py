"""The circumstances of a check, for the clerk who acts on it: when it was made,
online or offline and how old the data behind the verdict was, and -- for a revoked
or suspended licence the issuer's record holds -- since when.

The web verifier and the API verify online: the status comes from the issuer's own
records at the moment of the check (``status_as_of`` is the check's time). The offline
CLI reports the age of its bundle instead (verify.cli)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from credentials.models import Licence
from verify.result import VerificationResult

#: The states whose date a clerk is shown (the issuer's record says when it changed).
CHANGED_STATES = ("revoked", "suspended")


def online(result: VerificationResult, at: datetime,
           session: Session | None = None) -> dict[str, Any]:
    """``{checked_at, mode, status_as_of, status_changed_at}`` of an online check made at
    ``at``; ``status_changed_at`` is read from ``session`` only for a revoked or
    suspended licence (None otherwise, or when the issuer's record is not ours)."""
    stamp = iso(at)
    return {"checked_at": stamp, "mode": "online", "status_as_of": stamp,
            "status_changed_at": _changed_at(result, session)}


def _changed_at(result: VerificationResult, session: Session | None) -> str | None:
    identifier = (result.license or {}).get("identifier")
    if result.status not in CHANGED_STATES or session is None or not identifier:
        return None
    changed = session.scalar(select(Licence.state_changed_at)
                             .where(Licence.identifier == identifier,
                                    Licence.state == result.status))
    return iso(changed) if changed else None


def iso(at: datetime) -> str:
    """UTC, to the second, with a Z (RFC 3339)."""
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
