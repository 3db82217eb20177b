"""Inserts that tolerate a concurrent twin, inside the caller's transaction.

Catching IntegrityError would end the request's whole transaction (and a SAVEPOINT is
unreliable on pysqlite), so a duplicate is skipped by the database itself:
``INSERT ... ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def _insert(session: Session, model: type):
    dialect = session.get_bind().dialect.name
    table = model.__table__  # type: ignore[attr-defined]
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def insert_ignore(session: Session, model: type, values: dict[str, Any]) -> bool:
    """Insert ``values`` unless a row with the same key exists; whether it inserted."""
    statement = _insert(session, model).values(**values).on_conflict_do_nothing()
    # RETURNING, not rowcount: psycopg reports -1 for this statement.
    key = list(model.__table__.primary_key)[0]  # type: ignore[attr-defined]
    return session.execute(statement.returning(key)).first() is not None


def upsert(session: Session, model: type, values: dict[str, Any], key: list[str]) -> None:
    """Insert ``values``, or update the row with the same ``key`` columns to them."""
    statement = _insert(session, model).values(**values)
    changes = {name: statement.excluded[name] for name in values if name not in key}
    session.execute(statement.on_conflict_do_update(index_elements=key, set_=changes))
