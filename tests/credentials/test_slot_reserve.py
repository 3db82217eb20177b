"""Status slots reserved ahead per process (credentials.slot_reserve): two processes'
reserves never overlap each other or an in-transaction allocation, a reserve lost in
a crash leaves its slots unassigned (never a duplicate), an empty reserve falls back
to the issuing transaction, and concurrent single issues from two engines with
background refills get distinct slots."""

from __future__ import annotations

import os
import threading
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from audit import log as audit_log
from credentials import issuance, slot_reserve, status
from credentials.issue_request import parse_issue_request
from credentials.models import Licence, SlotReservation, StatusListRow
from credentials.slot_reserve import SlotReserve
from tests import conftest
from tests.credentials.helpers import make_department


def _request(dept):
    return parse_issue_request(dept.body())


def _issue_one(deps, dept):
    with deps.sessions.begin() as session:
        outcome = issuance.issue_one(session, deps, dept.code, _request(dept))
    assert outcome.licence is not None, outcome.error
    return outcome.licence


def _allocated(app, dept) -> int:
    with app.services.sessions() as session:
        return session.scalar(select(func.coalesce(func.sum(StatusListRow.allocated), 0))
                              .where(StatusListRow.department_code == dept.code))


def _slots(app, dept) -> list[tuple[str, int]]:
    with app.services.sessions() as session:
        return [tuple(row) for row in session.execute(select(
            Licence.status_list_id, Licence.status_idx).where(
            Licence.department_code == dept.code))]


def _reserved(app, dept) -> set[tuple[str, int]]:
    """The department's recorded reservations."""
    with app.services.sessions() as session:
        return {tuple(row) for row in session.execute(select(
            SlotReservation.status_list_id, SlotReservation.status_idx).where(
            SlotReservation.status_list_id.in_(select(StatusListRow.id).where(
                StatusListRow.department_code == dept.code))))}


def _app_on(url: str, tmp_path_factory, **settings):
    """Another app on the test database: another worker process's engine and reserve."""
    from admin.app import create_app

    return create_app(conftest.test_settings(url, **settings),
                      instance_path=tmp_path_factory.mktemp("other"))


@pytest.fixture
def second(app, migrated, tmp_path_factory):
    other = _app_on(migrated, tmp_path_factory)
    yield other
    other.services.engine.dispose()


def test_an_empty_reserve_falls_back_to_the_issuing_transaction(app, unique):
    dept = make_department(app, unique)
    reserve = SlotReserve(app.services.sessions, 8, background=False)
    deps = replace(app.credentials_services.deps, slot_reserve=reserve)
    assert reserve.take(dept.code, 1) == []
    first = _issue_one(deps, dept)  # allocated in its own transaction
    assert _allocated(app, dept) == 1 and reserve.held(dept.code) == 0
    assert reserve.refill(dept.code) == 8
    assert _allocated(app, dept) == 9
    reserved = _reserved(app, dept)
    second = _issue_one(deps, dept)
    # From the reserve: nothing more allocated, the slot is one the refill recorded.
    assert _allocated(app, dept) == 9 and reserve.held(dept.code) == 7
    assert (second.status_list_id, second.status_idx) in reserved
    assert (first.status_list_id, first.status_idx) not in reserved
    # More than MAX_TAKE at once is never served from the reserve.
    assert reserve.take(dept.code, slot_reserve.MAX_TAKE + 1) == []
    assert reserve.held(dept.code) == 7
    # The next refill forgets the reservation whose licence is stored.
    reserve.refill(dept.code)
    assert (second.status_list_id, second.status_idx) not in _reserved(app, dept)
    assert len(set(_slots(app, dept))) == 2


def test_two_processes_reserves_never_overlap_each_other_or_an_allocation(app, second,
                                                                           unique):
    dept = make_department(app, unique)
    one = SlotReserve(app.services.sessions, 200, background=False)
    two = SlotReserve(second.services.sessions, 200, background=False)
    one.refill(dept.code)
    two.refill(dept.code)
    with app.services.sessions.begin() as session:
        allocated = status.allocate(session, dept.code, 300)
    first = one.take(dept.code, 8) + [s for _ in range(24) for s in one.take(dept.code, 8)]
    other = [s for _ in range(25) for s in two.take(dept.code, 8)]
    assert len(first) == len(other) == 200
    everything = first + other + allocated
    assert len(everything) == len(set(everything)) == 700
    assert _allocated(app, dept) == 700


def test_a_reserve_lost_in_a_crash_leaves_its_slots_unassigned(app, second, unique,
                                                                monkeypatch):
    """A process reserves 20 of a 64-slot list (32 usable), then dies without using
    them; another process issues into what is left: every probe of its draws meets the
    reserved slots, none is handed out twice, and their bits stay 0 (valid)."""
    monkeypatch.setattr(status, "LIST_SIZE", 64)
    dept = make_department(app, unique)
    doomed = SlotReserve(app.services.sessions, 20, background=False)
    doomed.refill(dept.code)
    lost = set(_reserved(app, dept))
    del doomed  # the process dies: its reserve was only in memory
    deps = second.credentials_services.deps
    outcomes = issuance.issue_many(deps, dept.code, [_request(dept) for _ in range(12)],
                                   chunk=1)
    assert all(o.licence is not None for o in outcomes)
    slots = _slots(app, dept)
    assert len(slots) == len(set(slots)) == 12
    assert not set(slots) & lost
    with app.services.sessions() as session:
        lists = session.scalars(select(StatusListRow).where(
            StatusListRow.department_code == dept.code)).all()
        assert [(row.allocated, row.size) for row in lists] == [(32, 64)]
        bits = status.current_bits(session, lists[0])
    assert {bits.get(idx) for _, idx in lost} == {0}
    # The list is full (32 of 64): the next issue starts a new list.
    again = issuance.issue_many(deps, dept.code, [_request(dept)])[0].licence
    assert again.status_list_id != lists[0].id


def test_concurrent_single_issues_through_two_reserves_get_distinct_slots(
        app, migrated, tmp_path_factory, unique):
    if app.services.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers are PostgreSQL's case (the reserve is off on SQLite)")
    engines = [_app_on(migrated, tmp_path_factory, STATUS_SLOT_RESERVE=12) for _ in range(2)]
    dept = make_department(app, unique)
    reserves = [e.credentials_services.slot_reserve for e in engines]
    assert all(isinstance(r, SlotReserve) for r in reserves)
    start = threading.Barrier(8)
    licences, failures = [], []

    def worker(number: int) -> None:
        deps = engines[number % 2].credentials_services.deps
        try:
            start.wait()
            for _ in range(15):
                licences.append(_issue_one(deps, dept))
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert failures == []
        assert all(r.wait_idle() for r in reserves)
        assert all(r.refills >= 1 and r.failures == 0 for r in reserves)
        slots = _slots(app, dept)
        assert len(slots) == len(set(slots)) == 120
        assert len({(lic.status_list_id, lic.status_idx) for lic in licences}) == 120
        # Every slot held is recorded, and none of them is a stored licence's.
        held = _reserved(app, dept)
        assert sum(r.held(dept.code) for r in reserves) <= len(held)
        with app.services.sessions() as session:
            assert audit_log.verify_chain(session) is None
    finally:
        for other in engines:
            other.credentials_services.slot_reserve.close()
            other.services.engine.dispose()


def test_the_composition_root_reserves_on_postgresql_only(app, migrated, tmp_path_factory):
    other = _app_on(migrated, tmp_path_factory, STATUS_SLOT_RESERVE=32)
    reserve = other.credentials_services.slot_reserve
    try:
        if app.services.engine.dialect.name == "postgresql":
            assert isinstance(reserve, SlotReserve) and reserve.size == 32
            assert other.credentials_services.deps.slot_reserve is reserve
        else:
            assert reserve is None
        assert app.credentials_services.slot_reserve is None  # the tests' default: 0
    finally:
        if reserve is not None:
            reserve.close()
        other.services.engine.dispose()


def test_a_forked_child_starts_with_an_empty_reserve(app, unique):
    """The parent's reserved slots stay the parent's: a child using them would issue
    the same slots twice."""
    dept = make_department(app, unique)
    reserve = SlotReserve(app.services.sessions, 8, background=False)
    reserve.refill(dept.code)
    assert reserve.held(dept.code) == 8
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit code
        os._exit(0 if reserve.held(dept.code) == 0 and reserve.take(dept.code, 1) == []
                 else 1)
    _, code = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(code) == 0
    assert reserve.held(dept.code) == 8
