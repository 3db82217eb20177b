"""A licence's life after issuance: suspend, reinstate, revoke, re-issue.

States (and their status-list values): valid (0) -> suspended (2) -> valid;
any -> revoked (1), which is final. A re-issue creates the next version (same
serial, version + 1, new check character) and revokes the one it replaces.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from credentials import audit_events, issuance, public_reasons, status, type_lifecycle
from credentials.errors import FieldError, InvalidTransition, NotFound, ValidationFailed
from credentials.issuance import Deps, Prepared
from credentials.issue_request import Holder, IssueRequest
from credentials.models import Licence
from credentials.public_reasons import PublicReason
from identifiers import InvalidIdentifier, parse_license_id

#: action -> (states it may start from, resulting state)
TRANSITIONS = {
    "suspend": ({"valid"}, "suspended"),
    "reinstate": ({"suspended"}, "valid"),
    "revoke": ({"valid", "suspended"}, "revoked"),
}


def check_identifier(identifier: str) -> str:
    """Raises ValidationFailed naming ``id`` and the identifier's own reason."""
    try:
        return str(parse_license_id(identifier))
    except (InvalidIdentifier, TypeError) as exc:
        reason = getattr(exc, "reason", "bad_format")
        raise ValidationFailed("not a valid licence identifier",
                               [FieldError("id", reason, str(exc)[:200])]) from exc


def get_licence(session: Session, identifier: str, *, for_update: bool = False) -> Licence:
    """Raises ValidationFailed (malformed identifier) or NotFound."""
    check_identifier(identifier)
    licence = session.get(Licence, identifier, with_for_update=for_update or None)
    if licence is None:
        raise NotFound("no licence with this identifier", [FieldError("id", "not_found")])
    return licence


def check_reason(body: dict) -> str:
    """The stripped ``reason`` of a request body (type_lifecycle.check_reason says
    what it raises: one rule for every reason a licence or a type is given)."""
    return type_lifecycle.check_reason(body.get("reason"))


def check_public_reason(body: dict, action: str) -> PublicReason | None:
    """The public reason of a request body (``public_reason``, ``public_note``).

    Raises ValidationFailed (public_reasons.check; a public reason given to reinstate,
    which leaves none: ``not_applicable``)."""
    found = public_reasons.check(body.get("public_reason"), body.get("public_note"))
    if found is not None and action == "reinstate":
        raise ValidationFailed("a reinstated licence has no public reason",
                               [FieldError("public_reason", "not_applicable")])
    return found


def change_state(session: Session, licence: Licence, action: str, reason: str,
                 now: datetime, *, actor: str = "system",
                 public: PublicReason | None = None) -> Licence:
    """Apply a transition, and its audit entry, in the caller's transaction. ``public``
    is the reason verifiers and the holder see (reinstating clears it).

    Raises InvalidTransition.
    """
    sources, target = TRANSITIONS[action]
    if licence.state not in sources:
        raise InvalidTransition(f"cannot {action} a {licence.state} licence",
                                [FieldError("state", f"is_{licence.state}")])
    previous = licence.state
    licence.state, licence.state_reason, licence.state_changed_at = target, reason, now
    licence.public_reason = public.code if public and action != "reinstate" else None
    licence.public_note = public.note if public and action != "reinstate" else None
    status.record_change(session, licence.status_list_id)
    audit_events.changed(session, licence, actor=actor, action=action,
                         previous_state=previous, reason=reason, public=public)
    return licence


def reissue(session: Session, deps: Deps, licence: Licence, claims: dict,
            valid_until: datetime | None, reason: str, *, actor: str = "system",
            replacing: bool = False) -> Licence:
    """Issue the next version with new claims and revoke ``licence``, in the caller's
    transaction.

    Raises InvalidTransition (already revoked), ValidationFailed (TypeRetired: a
    retired type issues no successor), DepartmentNotAllowed, IssuerUnavailable. The
    successor is issued under the type's current version. ``replacing``: the same
    licence re-signed after a key compromise, which a retired type or a former issuer
    still gets (issuance.prepare).
    """
    if licence.state == "revoked":
        raise InvalidTransition("a revoked licence cannot be re-issued",
                                [FieldError("state", "is_revoked")])
    now = deps.clock()
    request = IssueRequest(licence.type_code, Holder(licence.holder_code_type,
                                                     licence.holder_number,
                                                     licence.holder_name),
                           claims, None, valid_until)
    current = get_licence(session, licence.identifier, for_update=True)
    if current.state == "revoked" or current.superseded_by:
        raise InvalidTransition("the licence was revoked meanwhile",
                                [FieldError("state", "is_revoked")])
    cat = issuance.catalogue_of(session, deps, current.department_code)
    prepared: Prepared = issuance.prepare(session, cat, request, now, replacing=replacing)
    prepared = replace(prepared, serial=current.serial, version=int(current.version) + 1,
                       previous=current.identifier)
    if prepared.version > 999:
        raise InvalidTransition("no version left", [FieldError("version", "exhausted")])
    stored = issuance.store(session, deps, [prepared], now, actor=actor,
                            action=audit_events.REISSUE)[0]
    # store() hands back a plain object (its rows go in one multi-row INSERT); callers
    # change the successor further (a suspension carried over), so hand them the row
    # as this session knows it.
    successor = session.get(Licence, stored.identifier)
    change_state(session, current, "revoke", reason, now, actor=actor,
                 public=PublicReason("superseded"))
    current.superseded_by = successor.identifier
    return successor
