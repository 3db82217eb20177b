"""Fixtures of the keys tests: a settable clock, KEKs and both stores."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool

from keys import InMemoryKeyStore, KeyRing
from keys.models import Base
from keys.sql_store import SqlKeyStore

START = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


class FakeClock:
    """Aware UTC time that only moves when a test says so."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def kek() -> bytes:
    return bytes(range(32))


@pytest.fixture
def other_kek() -> bytes:
    return bytes(range(1, 33))


def _sql_store() -> Iterator[SqlKeyStore]:
    # One shared in-memory connection, so every session sees the same database.
    engine = create_engine("sqlite://", connect_args={"check_same_thread": False},
                           poolclass=StaticPool)
    Base.metadata.create_all(engine)
    yield SqlKeyStore(sessionmaker(engine, expire_on_commit=False))
    engine.dispose()


@pytest.fixture(params=["memory", "sql"])
def store(request) -> Iterator[InMemoryKeyStore | SqlKeyStore]:
    if request.param == "memory":
        yield InMemoryKeyStore()
    else:
        yield from _sql_store()


@pytest.fixture
def ring(store, kek: bytes, clock: FakeClock) -> KeyRing:
    return KeyRing(store, kek, clock=clock, retire_after=timedelta(days=30))
