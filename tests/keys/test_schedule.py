"""Rotation on a schedule (keys.schedule) over the SQL schedule store."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool

from keys.models import Base
from keys.record import KeyState
from keys.schedule import check_period, new_schedule, run_due
from keys.sql_schedules import SqlScheduleStore
from tests.keys.conftest import START

DAY = timedelta(days=1)


@pytest.fixture
def schedules():
    engine = create_engine("sqlite://", connect_args={"check_same_thread": False},
                           poolclass=StaticPool)
    Base.metadata.create_all(engine)
    yield SqlScheduleStore(sessionmaker(engine, expire_on_commit=False))
    engine.dispose()


def test_the_first_rotation_is_due_when_the_active_key_has_served_its_period():
    schedule = new_schedule("dept:x", 90 * DAY, 7 * DAY, START, START + DAY)
    assert schedule.next_rotation_at == START + 83 * DAY
    overdue = new_schedule("dept:x", 90 * DAY, 7 * DAY, START - 365 * DAY, START)
    assert overdue.next_rotation_at == START  # overdue: at once
    assert new_schedule("dept:x", 90 * DAY, 0 * DAY, None, START).next_rotation_at == START


@pytest.mark.parametrize("every,prepublish", [(timedelta(hours=1), timedelta(0)),
                                              (10 * DAY, 10 * DAY), (10 * DAY, -DAY)])
def test_periods_that_make_no_sense_are_refused(every, prepublish):
    with pytest.raises(ValueError):
        check_period(every, prepublish)
    with pytest.raises(ValueError):
        new_schedule("dept:x", every, prepublish, None, START)


def test_a_malformed_owner_is_refused():
    with pytest.raises(ValueError, match="owner must be"):
        new_schedule("nobody", 90 * DAY, DAY, None, START)


def test_a_due_schedule_publishes_one_next_key_per_alg_and_moves_on(ring, clock, schedules):
    ring.ensure("dept:x", "ES256")
    ring.ensure("provider", "RS256")
    ring.ensure("provider", "EdDSA")
    schedules.put(new_schedule("dept:x", 90 * DAY, 7 * DAY, START, START))
    schedules.put(new_schedule("provider", 365 * DAY, DAY, START, START))
    assert run_due(ring, schedules, clock()) == []  # nothing due yet

    clock.advance(83 * DAY)
    done = run_due(ring, schedules, clock())
    assert [owner for owner, _ in done] == ["dept:x"]
    nexts = [r for r in ring.records("dept:x") if r.state == KeyState.NEXT]
    assert [r.kid for r in nexts] == [done[0][1]]
    assert nexts[0].activates_at == clock() + 7 * DAY
    assert schedules.get("dept:x").next_rotation_at == clock() + 90 * DAY
    assert schedules.get("dept:x").last_rotated_at == clock()
    assert not [r for r in ring.records("provider") if r.state == KeyState.NEXT]
    assert run_due(ring, schedules, clock()) == []  # a second run the same day: nothing


def test_the_provider_rotates_every_alg_it_signs_with(ring, clock, schedules):
    for alg in ("RS256", "EdDSA"):
        ring.ensure("provider", alg)
    schedules.put(new_schedule("provider", 30 * DAY, DAY, START, START))
    clock.advance(29 * DAY)
    done = run_due(ring, schedules, clock())
    assert len(done) == 2
    algs = {r.alg for r in ring.records("provider") if r.state == KeyState.NEXT}
    assert algs == {"RS256", "EdDSA"}
    # Once the new keys sign, the old ones retire and the next rotation follows.
    clock.advance(DAY)
    assert {r.alg for r in ring.promote_due("provider") if r.state == KeyState.ACTIVE} == \
        {"RS256", "EdDSA"}


def test_the_store_replaces_and_removes(schedules):
    schedules.put(new_schedule("dept:x", 90 * DAY, DAY, None, START))
    schedules.put(new_schedule("dept:x", 30 * DAY, DAY, None, START))
    assert schedules.get("dept:x").every == 30 * DAY
    assert [s.owner for s in schedules.list_all()] == ["dept:x"]
    assert schedules.remove("dept:x") is True
    assert schedules.remove("dept:x") is False and schedules.get("dept:x") is None
