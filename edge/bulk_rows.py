"""Rows written with one multi-row INSERT (or COPY) instead of the ORM's unit of work.

``session.execute(insert(Model), [values, ...])`` sends one executemany (multi-row
VALUES on PostgreSQL); the caller still wants objects to hand back (a licence to
present, an audit entry to return). ``plain`` builds such an object from its column
values without the ORM's per-attribute set events, which cost tens of microseconds
per row: the object is transient (in no session), reads like any instance, and is
never written by a flush.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, configure_mappers

T = TypeVar("T")


def plain(model: type[T], values: Mapping[str, Any]) -> T:
    """A transient ``model`` instance holding ``values`` (column name -> value)."""
    mapper = model.__mapper__  # type: ignore[attr-defined]
    if not mapper.configured:
        # Not on every row: even when there is nothing to configure, it walks every
        # mapper registry (weak references: ~70 µs a call when a process holds many).
        configure_mappers()
    instance = mapper.class_manager.new_instance()
    instance.__dict__.update(values)
    return instance


def insert_rows(session: Session, model: type, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys: every column without a default) in
    the session's transaction: one COPY on PostgreSQL when there are several, else one
    multi-row INSERT. Values go through each column type's bind processing, as an
    INSERT's would (time zones, JSON). A constraint that refuses a row raises
    IntegrityError either way, and nothing of ``rows`` is stored once the transaction
    rolls back."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if len(rows) < 2 or dialect.name != "postgresql" or dialect.driver != "psycopg":
        session.execute(insert(model), list(rows))
        return
    table = model.__table__  # type: ignore[attr-defined]
    names = list(rows[0])
    processors = [table.c[name].type._cached_bind_processor(dialect) for name in names]
    statement = (f'COPY "{table.name}" ('
                 + ", ".join(f'"{name}"' for name in names) + ") FROM STDIN")
    raw = connection.connection.driver_connection
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[name] if process is None else process(row[name])
                                for name, process in zip(names, processors, strict=True)])
    except raw.Error as exc:
        # As SQLAlchemy wraps an INSERT's error (IntegrityError for a refused row).
        raise DBAPIError.instance(statement, None, exc, raw.Error) from exc
