"""Appending, verifying, tampering, deleting and concurrent writers, on the test backend."""

from __future__ import annotations

import threading

from sqlalchemy import text

from audit import log
from tests.audit.conftest import run_cli


def _append(sessions, n, actor="client:hall"):
    for i in range(n):
        with sessions.begin() as session:
            log.append(session, actor=actor, action="licence.verify", subject=f"lic-{i}",
                       data={"i": i, "状态": "valid"})


def _check(sessions):
    with sessions() as session:
        return log.verify_chain(session, batch=3)


def test_intact_chain_verifies_in_batches(sessions):
    _append(sessions, 10)
    assert _check(sessions) is None
    with sessions() as session:
        assert [e.seq for e in log.recent(session, 3)] == [10, 9, 8]


def test_edited_row_is_found(sessions):
    _append(sessions, 6)
    with sessions.begin() as session:
        session.execute(text("UPDATE audit_entries SET data = :d WHERE seq = 4"),
                        {"d": '{"i": 3, "状态": "revoked"}'})
    assert _check(sessions) == 4


def test_deleted_row_is_found(sessions):
    _append(sessions, 6)
    with sessions.begin() as session:
        session.execute(text("DELETE FROM audit_entries WHERE seq = 2"))
    with sessions() as session:
        found, checked = log.find_break(session)
    assert (found.seq, checked) == (3, 1)
    assert "deleted" in found.reason


def test_two_writers_never_fork_the_chain(sessions):
    errors = []

    def writer(name):
        try:
            _append(sessions, 15, actor=name)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"w{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with sessions() as session:
        _, count = log.find_break(session)
    assert count == 30
    assert _check(sessions) is None


def _cli(sessions, *args):
    return run_cli(sessions, *args)


def test_cli_reports_intact_then_broken(sessions):
    _append(sessions, 3)
    ok = _cli(sessions, "verify")
    assert ok.exit_code == 0 and "audit trail intact: 3 entries" in ok.output
    listed = _cli(sessions, "list", "--limit", "2", "--json")
    assert '"seq": 3' in listed.output
    with sessions.begin() as session:
        session.execute(text("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 2"))
    broken = _cli(sessions, "verify")
    assert broken.exit_code == 1
    assert "audit trail tampered: entry 2:" in broken.output
