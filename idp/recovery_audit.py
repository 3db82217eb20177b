"""Who did a recovery action, and its audit entry (no Flask).

Every counter action is written to the audit trail with the clerk's identity
(``Actor.ref``: ``operator:<name>`` from the CLI's ``--operator``, ``staff:<sub>``
from the console) and the name and hall the person will read on their account page
(idp.account_history). A self-service step is written with the person as actor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from audit import log as audit_log
from idp.models.accounts import Account


@dataclass(frozen=True, slots=True)
class Actor:
    """``ref`` is the audit actor; ``name`` and ``hall`` are what the person is shown."""

    ref: str
    name: str
    hall: str | None = None
    #: Facts recorded with every entry (e.g. the CLI's OS user).
    extra: dict[str, Any] = field(default_factory=dict)


def person(account: Account) -> Actor:
    """The person acting on their own account."""
    return Actor(ref=f"person:{account.sub}", name=account.display_name)


def record(session: Session, actor: Actor, action: str, account: Account,
           data: dict[str, Any] | None = None) -> None:
    """Append ``action`` about ``account`` by ``actor`` in the caller's transaction.

    Raises what ``audit.log.append`` raises.
    """
    audit_log.append(session, actor=actor.ref, action=action, subject=account.sub,
                     data={**(data or {}), **actor.extra, "by": actor.name,
                           "hall": actor.hall})
