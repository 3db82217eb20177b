"""Operators' view of one licence and their actions on it: its record, its history
(issued, suspended, reinstated, revoked: when, by whom, why - read from the audit
trail, where each change was appended in its own transaction), its uses (from verify,
through ``CredentialsServices.licence_uses``) and suspend / reinstate / revoke with a
required reason, within the operator's department scope."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from audit import log as audit_log
from credentials import audit_events, licence_search, lifecycle, public_reasons, type_lifecycle
from credentials.licence_search import Scope
from credentials.models import Licence

ACTIONS = tuple(lifecycle.TRANSITIONS)
#: The audit actions that make a licence's history.
HISTORY_ACTIONS = (audit_events.ISSUE, audit_events.IMPORT, audit_events.REISSUE,
                   *(f"licence.{action}" for action in ACTIONS))
USES_SHOWN = 100


def allowed_actions(state: str) -> list[str]:
    """The actions a licence in ``state`` allows (revoked: none)."""
    return [a for a in ACTIONS if state in lifecycle.TRANSITIONS[a][0]]


def history(session: Session, licence: Licence) -> list[dict[str, Any]]:
    """The licence's lifecycle events, oldest first."""
    return [{"at": licence_search.iso(entry.at), "action": entry.action.removeprefix("licence."),
             "actor": entry.actor, "reason": (entry.data or {}).get("reason"),
             "from": (entry.data or {}).get("from"), "to": (entry.data or {}).get("to")}
            for entry in audit_log.about(session, licence.identifier, HISTORY_ACTIONS)]


def details(session: Session, licence: Licence, uses: list[dict]) -> dict[str, Any]:
    """Everything the console and ``onegate licenses show`` display about a licence."""
    return {**licence_search.summary(licence), "claims": licence.claims,
            "valid_from": licence_search.iso(licence.valid_from), "kid": licence.kid,
            "state_changed_at": licence_search.iso(licence.state_changed_at),
            "public_reason": public_reasons.of(licence.public_reason, licence.public_note),
            "previous": licence.previous_identifier, "superseded_by": licence.superseded_by,
            "history": history(session, licence), "uses": uses}


def act(session: Session, identifier: str, action: str, reason: Any, *, scope: Scope,
        actor: str, now: datetime, public_reason: Any = None,
        public_note: Any = None) -> Licence:
    """Suspend, reinstate or revoke a licence within ``scope``, recording ``reason`` and
    ``actor`` (on the licence and in the audit trail), in the caller's transaction.
    ``public_reason`` and ``public_note`` are what verifiers see (public_reasons).

    Raises ValidationFailed (missing or unusable reason, unknown public reason code,
    unusable public note, malformed identifier),
    NotFound (no such licence in scope), InvalidTransition (409: the state does not
    allow it, e.g. revoking a revoked licence; nothing is recorded twice).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    reason = type_lifecycle.check_reason(reason)
    public = lifecycle.check_public_reason({"public_reason": public_reason,
                                            "public_note": public_note}, action)
    licence = licence_search.get_in_scope(session, identifier, scope, for_update=True)
    return lifecycle.change_state(session, licence, action, reason, now, actor=actor,
                                  public=public)
