"""A KeyStore on SQLAlchemy: one short session per call."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from keys.errors import UnknownKey
from keys.models import SigningKeyRow
from keys.record import KeyRecord, KeyState

#: Columns copied between KeyRecord and SigningKeyRow as they are.
_PLAIN = ("owner", "alg", "public_jwk", "encrypted_private", "published")
_TIMES = ("created_at", "activates_at", "retired_at", "revoked_at")


def _aware(value: datetime | None) -> datetime | None:
    # SQLite drops the offset; every time we write is UTC, so reattach it.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _to_record(row: SigningKeyRow) -> KeyRecord:
    values = {name: getattr(row, name) for name in _PLAIN}
    values.update({name: _aware(getattr(row, name)) for name in _TIMES})
    values["public_jwk"] = dict(row.public_jwk)
    values["encrypted_private"] = bytes(row.encrypted_private)
    return KeyRecord(kid=row.kid, state=KeyState(row.state), mac=row.row_mac, **values)


def _copy_into(row: SigningKeyRow, record: KeyRecord) -> None:
    for name in (*_PLAIN, *_TIMES):
        setattr(row, name, getattr(record, name))
    row.public_jwk = dict(record.public_jwk)
    row.state = str(record.state)
    row.row_mac = record.mac


class SqlKeyStore:
    """KeyStore over ``session_factory()``, a callable returning a Session usable
    as a context manager (a ``sessionmaker``)."""

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._sessions = session_factory

    def add(self, record: KeyRecord) -> None:
        """Insert a row; raises ValueError if the kid already exists."""
        row = SigningKeyRow(kid=record.kid)
        _copy_into(row, record)
        with self._sessions() as session:
            session.add(row)
            try:
                session.commit()
            except IntegrityError as exc:
                raise ValueError(f"key {record.kid} already exists") from exc

    def save(self, record: KeyRecord) -> None:
        """Overwrite a row; raises UnknownKey if the kid does not exist."""
        with self._sessions() as session:
            row = session.get(SigningKeyRow, record.kid)
            if row is None:
                raise UnknownKey(record.kid)
            _copy_into(row, record)
            session.commit()

    def get(self, kid: str) -> KeyRecord | None:
        """The record with this kid, or None; raises only database errors."""
        with self._sessions() as session:
            row = session.get(SigningKeyRow, kid)
            return _to_record(row) if row else None

    def list_for_owner(self, owner: str) -> list[KeyRecord]:
        """The owner's records, oldest first; raises only database errors."""
        query = (select(SigningKeyRow).where(SigningKeyRow.owner == owner)
                 .order_by(SigningKeyRow.created_at, SigningKeyRow.kid))
        with self._sessions() as session:
            return [_to_record(row) for row in session.scalars(query)]

    def stamp(self, owner: str) -> tuple:
        """What the owner's published keys depend on, in one small query (no key
        material): changes with every rotation, promotion, pruning and revocation, and
        with an edit of a row by hand. Raises only database errors."""
        query = (select(SigningKeyRow.kid, SigningKeyRow.alg, SigningKeyRow.state,
                        SigningKeyRow.published, SigningKeyRow.row_mac,
                        SigningKeyRow.public_jwk)
                 .where(SigningKeyRow.owner == owner).order_by(SigningKeyRow.kid))
        with self._sessions() as session:
            return tuple((kid, alg, state, bool(published), mac, _canonical(jwk))
                         for kid, alg, state, published, mac, jwk in session.execute(query))

    def list_all(self) -> list[KeyRecord]:
        """Every record, by owner then age; raises only database errors."""
        query = select(SigningKeyRow).order_by(
            SigningKeyRow.owner, SigningKeyRow.created_at, SigningKeyRow.kid)
        with self._sessions() as session:
            return [_to_record(row) for row in session.scalars(query)]
