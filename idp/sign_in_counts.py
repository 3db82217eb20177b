"""Successful sign-ins per client (hall) and day, for ``onegate clients stats``, the
console's dashboard and /metrics. Days are China-time calendar days (UTC+8, the
province's day, as every figure of the console's dashboard).

A sign-in is an authorization code issued to the client: the person authenticated
and (where asked) consented, and the hall is about to receive their ID token.
Refresh grants and client_credentials are not sign-ins.

Why a daily counter table, written in the request's unit of work: the code row
itself cannot be the record (housekeeping deletes expired codes, and counting them
per day would scan a large, hot table); one ``INSERT ... ON CONFLICT DO UPDATE``
on a small primary key adds a single statement to a request that already writes the
code, commits with it (a request that fails counts nothing), and never touches the
token endpoint. The upsert is the last write of the request, so concurrent sign-ins
at one hall hold the counter row only for the commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from edge.timestamps import utcnow
from idp.models.sign_ins import ClientSignInDay

#: China Standard Time has no daylight saving: a fixed offset names the day.
CHINA = timedelta(hours=8)


def china_day(at: datetime | None = None) -> date:
    """The China-time calendar day of ``at`` (default now)."""
    return ((at or utcnow()) + CHINA).date()


def count_sign_in(session: Session, client_id: str, at: datetime | None = None) -> None:
    """Add one sign-in of ``client_id`` on the China-time day of ``at`` (default now)."""
    table = ClientSignInDay.__table__
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" \
        else sqlite.insert
    day = china_day(at)
    statement = insert(table).values(day=day, client_id=client_id, count=1)
    session.execute(statement.on_conflict_do_update(
        index_elements=["day", "client_id"], set_={"count": table.c.count + 1}))


def sign_in_counts(session: Session, since: date,
                   client_ids: Iterable[str] | None = None) -> list[tuple[date, str, int]]:
    """``(day, client_id, count)`` for every day from ``since`` (China time, inclusive)
    on which a client had sign-ins, oldest day first; only ``client_ids`` when given
    (an empty collection gives an empty list). Days without sign-ins are absent."""
    query = (select(ClientSignInDay.day, ClientSignInDay.client_id, ClientSignInDay.count)
             .where(ClientSignInDay.day >= since)
             .order_by(ClientSignInDay.day, ClientSignInDay.client_id))
    if client_ids is not None:
        wanted = list(client_ids)
        if not wanted:
            return []
        query = query.where(ClientSignInDay.client_id.in_(wanted))
    return [(day, client_id, count) for day, client_id, count in session.execute(query)]
