"""Every console action lands in the audit trail with the operator's identity.

A view that changes something calls ``record`` in the request's unit of work, so the
entry commits with the change or not at all. The actor is ``staff:<sub>`` (a staff
account signed in at loa-2, never a name typed into a form); the data carries the
role the action was done under and the username, beside the action's own data.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from admin.console.guard import acting_role, member
from audit import log

ACTION_PREFIX = "console."


def actor(sub: str) -> str:
    return f"staff:{sub}"


def record(session: Session, action: str, subject: str,
           data: dict[str, Any] | None = None) -> None:
    """Append ``console.<action>`` on ``subject`` by the signed-in member; raises what
    ``audit.log.append`` raises (the request then rolls back, change and all)."""
    who = member()
    log.append(session, actor=actor(who.sub), action=ACTION_PREFIX + action, subject=subject,
               data={**(data or {}), "role": acting_role(), "username": who.username})
