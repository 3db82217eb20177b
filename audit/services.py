"""What the audit trail's endpoints and commands need from the app (fosite-style: this
package declares it, admin's composition root supplies it)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from audit.publishing import Publisher
from audit.trail import Trail
from edge.unit_of_work import UnitOfWork


@dataclass(frozen=True, eq=False)
class AuditServices:
    """The app's audit wiring.

    ``sessions`` is the app's session factory with ``trail`` bound to it
    (``audit.trail.bind``), so every session the app hands out, the request's unit of
    work included, appends keyed entries. ``publisher`` serves the checkpoint of the
    current head and keeps its answer for its reuse window: one per app, never shared
    between apps. ``issuer`` is the URL checkpoints and problem types are named under.
    """

    unit_of_work: UnitOfWork
    sessions: sessionmaker[Session]
    trail: Trail
    publisher: Publisher
    issuer: str

    @property
    def jwks_uri(self) -> str:
        """Where the checkpoint keys are published (``GET /audit/jwks``)."""
        return self.issuer + "/audit/jwks"
