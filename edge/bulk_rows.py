"""Rows written with one multi-row INSERT instead of the ORM's unit of work.

``session.execute(insert(Model), [values, ...])`` sends one executemany (multi-row
VALUES on PostgreSQL); the caller still wants objects to hand back (a licence to
present, an audit entry to return). ``plain`` builds such an object from its column
values without the ORM's per-attribute set events, which cost tens of microseconds
per row: the object is transient (in no session), reads like any instance, and is
never written by a flush.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy.orm import configure_mappers

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
