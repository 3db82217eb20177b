"""A compromised signing key: what it invalidates, and the re-issue of those licences.

Revoking a department's key makes every licence it signed fail verification (the
key is withdrawn from JWKS and the trust list). Before revoking, an operator sees the
``impact``: the licences still in force (valid or suspended, not expired, not already
superseded) that the key signed, by type. After revoking, ``reissue_batch`` gives each
of them the next version (GB/T 36904: same serial, version + 1, new check character),
signed with the department's current key, and revokes the old version with a reason
naming the key (credentials.lifecycle.reissue: the successor links back through
``previous_identifier``, the old one forward through ``superseded_by``). Same holder,
so the new version is in the holder's wallet at once. A suspended licence's successor
is suspended again with the same reason: re-signing must not lift a suspension.

Each batch is one transaction of its own; a licence already superseded is never
picked again, so a second run (or a run after an interruption) re-issues only what
is left.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from credentials import lifecycle
from credentials.errors import FieldError, InvalidTransition
from credentials.issuance import Deps
from credentials.models import Licence
from credentials.public_reasons import PublicReason

#: Licences re-issued per transaction.
BATCH = 200
#: States a licence still in force can be in.
IN_FORCE = ("valid", "suspended")


@dataclass(frozen=True)
class Impact:
    """Licences in force signed by one key: totals by type code and by state."""

    kid: str
    total: int
    by_type: dict[str, int]
    by_state: dict[str, int]

    def to_json(self) -> dict:
        return {"kid": self.kid, "licences_in_force": self.total, "by_type": self.by_type,
                "by_state": self.by_state}


@dataclass(frozen=True)
class Reissued:
    """One licence re-issued: the old identifier and its successor."""

    previous: str
    identifier: str
    type_code: str


def _in_force(kid: str, now: datetime) -> Select:
    return select(Licence).where(Licence.kid == kid, Licence.state.in_(IN_FORCE),
                                 Licence.superseded_by.is_(None), Licence.valid_until > now)


def impact(session: Session, kid: str, now: datetime) -> Impact:
    """Count the licences in force that ``kid`` signed; raises only database errors."""
    query = (_in_force(kid, now).with_only_columns(Licence.type_code, Licence.state,
                                                   func.count())
             .group_by(Licence.type_code, Licence.state))
    by_type: Counter[str] = Counter()
    by_state: Counter[str] = Counter()
    for type_code, state, count in session.execute(query):
        by_type[type_code] += count
        by_state[state] += count
    return Impact(kid, sum(by_type.values()), dict(sorted(by_type.items())),
                  dict(sorted(by_state.items())))


def reason_for(kid: str) -> str:
    """The revocation reason written on each replaced licence."""
    return f"signing key {kid} revoked (compromised); re-issued with the current key"


def reissue_batch(session: Session, deps: Deps, kid: str, *, limit: int = BATCH,
                  actor: str = "system") -> list[Reissued]:
    """Re-issue up to ``limit`` licences in force signed by ``kid``, in the caller's
    transaction; returns what it re-issued (empty: nothing left).

    Raises IssuerUnavailable (the department has no active key), InvalidTransition
    (the department's current key is ``kid`` itself: revoke it first).
    """
    now = deps.clock()
    rows = session.scalars(_in_force(kid, now).order_by(Licence.identifier)
                           .limit(limit).with_for_update()).all()
    return [_reissue_one(session, deps, licence, kid, actor) for licence in rows]


def _reissue_one(session: Session, deps: Deps, licence: Licence, kid: str,
                 actor: str) -> Reissued:
    suspension = licence.state_reason if licence.state == "suspended" else None
    # The successor keeps a suspension's public reason too (the old one is superseded).
    public = (PublicReason(licence.public_reason, licence.public_note)
              if suspension is not None and licence.public_reason else None)
    successor = lifecycle.reissue(session, deps, licence, dict(licence.claims),
                                  licence.valid_until, reason_for(kid), actor=actor,
                                  replacing=True)
    if successor.kid == kid:
        raise InvalidTransition(f"the department still signs with {kid}: revoke it first",
                                [FieldError("kid", "still_signing")])
    if suspension is not None:
        lifecycle.change_state(session, successor, "suspend", suspension, deps.clock(),
                               actor=actor, public=public)
    return Reissued(licence.identifier, successor.identifier, licence.type_code)


def reissue_all(deps: Deps, kid: str, *, batch: int = BATCH, actor: str = "system",
                progress: Callable[[list[Reissued]], None] | None = None,
                max_batches: int | None = None) -> list[Reissued]:
    """Re-issue every licence in force signed by ``kid``, one committed transaction per
    batch (``deps.sessions``), until none is left (or after ``max_batches``: a page
    does a bounded share per request); returns all re-issued. An interruption keeps
    the committed batches; a re-run continues. Raises what ``reissue_batch`` raises
    (the failing batch is rolled back)."""
    done: list[Reissued] = []
    for _ in itertools.count() if max_batches is None else range(max_batches):
        with deps.sessions() as session, session.begin():
            chunk = reissue_batch(session, deps, kid, limit=batch, actor=actor)
        if not chunk:
            return done
        done += chunk
        if progress is not None:
            progress(chunk)
    return done
