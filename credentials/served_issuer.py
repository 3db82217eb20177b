"""The issuer URL the service is served under, shared by every process through the
database.

``onegate serve`` (and ``onegate init``, which prepares an instance for serving)
records the issuer it runs with. A command that signs in a process of its own
(``onegate licenses import``, the back-channel logout worker) derives its issuer
from its own settings, which may differ (``serve --port 8080`` with a default
``ONEGATE_PORT``): it calls ``check`` and refuses rather than sign licences that
name an issuer nobody serves.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from credentials.models import ServedIssuer, utcnow

_ROW = 1


class IssuerMismatch(Exception):
    """This process's issuer is not the one the service is served under."""

    def __init__(self, served: str, configured: str) -> None:
        super().__init__(f"the service is served as {served}, but the settings here give "
                         f"the issuer {configured}; run with ONEGATE_ISSUER={served} (or the "
                         "ONEGATE_HOST and ONEGATE_PORT that serve uses)")
        self.served, self.configured = served, configured


def recorded(session: Session) -> str | None:
    row = session.get(ServedIssuer, _ROW)
    return row.issuer if row else None


def record(sessions: sessionmaker[Session], issuer: str, by: str) -> str | None:
    """Record ``issuer`` as served; return the issuer it replaces (None if unchanged).

    Several servers starting at once may race to insert the row: the loser updates it.
    """
    try:
        return _record(sessions, issuer, by)
    except IntegrityError:
        return _record(sessions, issuer, by)


def _record(sessions: sessionmaker[Session], issuer: str, by: str) -> str | None:
    with sessions.begin() as session:
        row = session.get(ServedIssuer, _ROW, with_for_update=True)
        if row is None:
            session.add(ServedIssuer(id=_ROW, issuer=issuer, recorded_by=by,
                                     recorded_at=utcnow()))
            return None
        previous = row.issuer
        row.issuer, row.recorded_by, row.recorded_at = issuer, by, utcnow()
        return previous if previous != issuer else None


def check(sessions: sessionmaker[Session], issuer: str) -> None:
    """Raise IssuerMismatch unless ``issuer`` is the served one (or none is recorded yet,
    when the settings are all there is to go by)."""
    with sessions() as session:
        served = recorded(session)
    if served is not None and served != issuer:
        raise IssuerMismatch(served, issuer)
