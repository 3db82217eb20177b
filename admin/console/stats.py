"""Where the dashboard's and ``/metrics``' business figures come from.

Nothing is counted twice: every figure is read from the records the service keeps
anyway, grouped by day in China time (UTC+8):

============================  ===========================================================
figure                        records
============================  ===========================================================
logins                        ``idp_sso_sessions``: one row per completed login
logins per hall               ``idp_sso_participants`` (a hall's relying party joining a
                              session) joined to ``oauth_clients.hall_code``
issuances per department      ``credential_licences.issued_at`` (imports included)
verifications by outcome      ``verify_use_records`` of kind ``verify``: the verifications
                              department systems make with a token (anonymous ones
                              record nothing, by design: README "Verifying")
failures                      those verifications whose outcome is not ``valid``, and
                              failed logins: ``idp_daily_counts`` (idp.daily_counts), a
                              counter per China-time day incremented by the login pages
                              (wrong name or password, throttled, wrong second factor)
============================  ===========================================================

Scope: each query takes the departments or halls a member may read (None: all).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Date, cast, func, literal_column, select
from sqlalchemy.orm import Session

from credentials.models.licences import Licence
from edge.timestamps import utcnow
from idp.models.clients import OAuthClient
from idp.models.sso_sessions import SsoParticipant, SsoSession
from verify.models import UseRecord

CHINA = timedelta(hours=8)
DAYS = 14


@dataclass(frozen=True, slots=True)
class Series:
    """Counts per day per label (a hall, a department, an outcome) over ``days``."""

    days: tuple[date, ...]
    counts: dict[str, list[int]]

    def total(self) -> int:
        return sum(sum(v) for v in self.counts.values())


def window(days: int = DAYS, now: datetime | None = None) -> tuple[date, ...]:
    """The last ``days`` China-time days, oldest first, today included."""
    today = ((now or utcnow()) + CHINA).date()
    return tuple(today - timedelta(days=n) for n in range(days - 1, -1, -1))


def _china_day(session: Session, column):
    """``column``'s China-time calendar day, in SQL (SQLite and PostgreSQL)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.date(column, "+8 hours")
    return cast(column.op("AT TIME ZONE")(literal_column("'Asia/Shanghai'")), Date)


def _since(days: tuple[date, ...]) -> datetime:
    start = datetime.combine(days[0], datetime.min.time()).replace(tzinfo=utcnow().tzinfo)
    return start - CHINA


def _series(rows: Iterable, days: tuple[date, ...]) -> Series:
    index = {d.isoformat(): i for i, d in enumerate(days)}
    counts: dict[str, list[int]] = {}
    for label, day, count in rows:
        key = day.isoformat() if isinstance(day, date) else str(day)
        if key in index:
            counts.setdefault(str(label), [0] * len(days))[index[key]] += int(count)
    return Series(days=days, counts=dict(sorted(counts.items())))


def logins(session: Session, days: tuple[date, ...]) -> Series:
    """Completed logins per day, by level of assurance (``loa-1``, ``loa-2``)."""
    day = _china_day(session, SsoSession.created_at)
    rows = session.execute(select(SsoSession.acr, day, func.count())
                           .where(SsoSession.created_at >= _since(days))
                           .group_by(SsoSession.acr, day))
    return _series(rows, days)


def logins_per_hall(session: Session, days: tuple[date, ...],
                    halls: frozenset[str] | None = None) -> Series:
    """Sign-ins at each hall's relying parties per day (``halls``: only those)."""
    day = _china_day(session, SsoParticipant.first_seen)
    query = (select(OAuthClient.hall_code, day, func.count()).select_from(SsoParticipant)
             .join(OAuthClient, OAuthClient.client_id == SsoParticipant.client_id)
             .where(SsoParticipant.first_seen >= _since(days),
                    OAuthClient.hall_code.is_not(None))
             .group_by(OAuthClient.hall_code, day))
    if halls is not None:
        query = query.where(OAuthClient.hall_code.in_(sorted(halls)))
    return _series(session.execute(query), days)


def issuances(session: Session, days: tuple[date, ...],
              departments: frozenset[str] | None = None) -> Series:
    """Licences issued per day by department (``departments``: only those)."""
    day = _china_day(session, Licence.issued_at)
    query = (select(Licence.department_code, day, func.count())
             .where(Licence.issued_at >= _since(days))
             .group_by(Licence.department_code, day))
    if departments is not None:
        query = query.where(Licence.department_code.in_(sorted(departments)))
    return _series(session.execute(query), days)


def verifications(session: Session, days: tuple[date, ...],
                  clients: list[str] | None = None) -> Series:
    """Recorded verifications per day by outcome (``clients``: only by those systems)."""
    day = _china_day(session, UseRecord.at)
    outcome = _outcome()
    query = (select(outcome, day, func.count())
             .where(UseRecord.at >= _since(days), UseRecord.kind == "verify")
             .group_by(outcome, day))
    if clients is not None:
        query = query.where(UseRecord.client_id.in_(clients))
    return _series(session.execute(query), days)


def _outcome():
    # A literal, not a bound parameter: PostgreSQL must see the GROUP BY expression as
    # the selected one.
    return func.coalesce(UseRecord.result, literal_column("'unknown'"))


def failures(verified: Series, logins: Series | None = None) -> Series:
    """The verifications whose outcome is not ``valid``, one series per outcome, and
    (``logins``, from ``login_failures``) the failed logins by reason."""
    counts = {f"verify: {k}": v for k, v in verified.counts.items() if k != "valid"}
    counts.update(logins.counts if logins is not None else {})
    return Series(days=verified.days, counts=dict(sorted(counts.items())))


def login_failures(session: Session, days: tuple[date, ...]) -> Series:
    """Failed logins per day by reason (idp.daily_counts)."""
    from idp import daily_counts

    return _series(daily_counts.counts_since(session, days[0].isoformat()), days)


def totals(session: Session) -> dict[str, dict[str, int]]:
    """All-time counts for ``/metrics``: logins by acr, failed logins by reason,
    issuances by department, recorded verifications by outcome, sign-ins by hall."""
    def grouped(query) -> dict[str, int]:
        return {str(k): int(v) for k, v in session.execute(query)}

    from idp import daily_counts

    return {
        "login_failures": daily_counts.totals(session),
        "logins": grouped(select(SsoSession.acr, func.count()).group_by(SsoSession.acr)),
        "issuances": grouped(select(Licence.department_code, func.count())
                             .group_by(Licence.department_code)),
        "verifications": grouped(select(_outcome(), func.count())
                                 .where(UseRecord.kind == "verify").group_by(_outcome())),
        "hall_signins": grouped(
            select(OAuthClient.hall_code, func.count()).select_from(SsoParticipant)
            .join(OAuthClient, OAuthClient.client_id == SsoParticipant.client_id)
            .where(OAuthClient.hall_code.is_not(None)).group_by(OAuthClient.hall_code)),
    }
