"""The hostile side of the fast issuance paths (multi-row INSERTs, one transaction per
batch, signing in a process pool): a failing row leaves nothing of its batch, concurrent
batches never share a status slot, and a signing process that dies fails the import
cleanly, so that a re-run stores exactly what is missing."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import replace

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from audit import log as audit_log
from audit.models import AuditEntry
from credentials import audit_events, bulk_import, issuance
from credentials.issue_request import parse_issue_request
from credentials.issuer_cache import TypeInfo
from credentials.models import IdempotencyRecord, Licence, StatusListRow
from credentials.signing_pool import SigningPool, SigningPoolBroken
from tests.credentials.helpers import make_department


def _counts(app, dept) -> dict[str, int]:
    """Everything an issuance writes: licences, audit entries, idempotency records and
    the slots reserved in the department's status lists."""
    with app.services.sessions() as session:
        return {
            "licences": session.scalar(select(func.count()).select_from(Licence).where(
                Licence.department_code == dept.code)),
            "audit": session.scalar(select(func.count()).select_from(AuditEntry)),
            "keys": session.scalar(select(func.count()).select_from(IdempotencyRecord)),
            "allocated": session.scalar(select(func.coalesce(func.sum(
                StatusListRow.allocated), 0)).where(
                StatusListRow.department_code == dept.code)),
        }


def _chain_intact(app) -> bool:
    with app.services.sessions() as session:
        return audit_log.verify_chain(session) is None


def _request(dept, serial):
    return parse_issue_request(dept.body(serial=serial), allow_import_fields=True)


def test_a_row_failing_at_the_insert_leaves_nothing_of_its_batch(app, unique):
    """store()'s licence INSERT (one multi-row statement) fails on a taken content key
    after the slots were reserved and the idempotency records written in the same
    transaction: all of them go with the rollback, and no audit entry is written."""
    dept = make_department(app, unique)
    deps = app.credentials_services.deps
    taken = issuance.issue_many(deps, dept.code, [_request(dept, "T" + unique.upper())])
    assert taken[0].licence is not None
    before = _counts(app, dept)
    now = deps.clock()
    with app.services.sessions() as session:
        cat = issuance.catalogue_of(session, deps, dept.code)
        items = [issuance.prepare(session, cat, _request(dept, f"N{unique.upper()}{i}"), now)
                 for i in range(4)]
        items.append(issuance.prepare(session, cat, _request(dept, "T" + unique.upper()),
                                      now))
        for number, item in enumerate(items):
            item.idempotency = ("client:hostile", f"{unique}-{number}", "0" * 64)
    with pytest.raises(IntegrityError), app.services.sessions.begin() as session:
        issuance.store(session, deps, items, now)
    assert _counts(app, dept) == before
    assert _chain_intact(app)


def test_a_failing_item_in_a_batch_costs_only_itself(app, unique):
    """issue_many: the chunk with the taken content key rolls back as a whole, then each
    item is stored on its own: the four others once each, with one audit entry and one
    idempotency record apiece; the clash is refused and writes nothing."""
    dept = make_department(app, unique)
    deps = app.credentials_services.deps
    issuance.issue_many(deps, dept.code, [_request(dept, "T" + unique.upper())])
    before = _counts(app, dept)
    serials = [f"N{unique.upper()}{i}" for i in range(2)] + ["T" + unique.upper()] + [
        f"N{unique.upper()}{i}" for i in range(2, 4)]
    outcomes = issuance.issue_many(
        deps, dept.code, [_request(dept, s) for s in serials], scope="client:hostile",
        keys_=[f"{unique}-{s}" for s in serials], chunk=5)
    assert [o.licence is not None for o in outcomes] == [True, True, False, True, True]
    assert outcomes[2].error is not None
    after = _counts(app, dept)
    assert after["licences"] - before["licences"] == 4
    assert after["audit"] - before["audit"] == 4
    assert after["keys"] - before["keys"] == 4
    with app.services.sessions() as session:
        subjects = set(session.scalars(select(AuditEntry.subject).where(
            AuditEntry.action == audit_events.ISSUE,
            AuditEntry.subject.in_([o.licence.identifier for o in outcomes if o.licence]))))
        stored = set(session.scalars(select(Licence.identifier).where(
            Licence.department_code == dept.code)))
    assert subjects == {o.licence.identifier for o in outcomes if o.licence}
    assert subjects <= stored
    assert _chain_intact(app)


def test_concurrent_batches_get_distinct_status_slots(app, unique):
    """Four batches at once for one department (the row lock on PostgreSQL, the write
    lock on SQLite): every licence stored, no slot shared, the audit chain dense."""
    if app.services.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers are PostgreSQL's case (SQLite serialises them)")
    dept = make_department(app, unique)
    deps = app.credentials_services.deps
    issuance.issue_many(deps, dept.code, [_request(dept, "W" + unique.upper())])  # warm
    start = threading.Barrier(4)
    outcomes, failures = [], []

    def batch(worker: int) -> None:
        requests = [_request(dept, f"C{unique.upper()}{worker}{i:03d}") for i in range(60)]
        try:
            start.wait()
            outcomes.extend(issuance.issue_many(deps, dept.code, requests, chunk=20))
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=batch, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(outcomes) == 240 and all(o.licence is not None for o in outcomes)
    with app.services.sessions() as session:
        slots = session.execute(select(Licence.status_list_id, Licence.status_idx).where(
            Licence.department_code == dept.code)).all()
    assert len(slots) == 241 and len(set(slots)) == 241
    assert len({(o.licence.status_list_id, o.licence.status_idx) for o in outcomes}) == 240
    assert _chain_intact(app)


class _DieWhenUnpickled:
    """Sent to a signing process in place of the licence type: unpickling it there ends
    that process at once, as a kill or the out-of-memory killer would."""

    def __reduce__(self):
        return (os._exit, (17,))


def test_a_dead_signing_process_fails_the_import_cleanly(app, unique, tmp_path,
                                                         monkeypatch):
    dept = make_department(app, unique)
    lines = [json.dumps(dept.body(serial=f"K{unique.upper()}{i:03d}"), ensure_ascii=False)
             for i in range(30)]
    path = tmp_path / "crash.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    calls = {"n": 0}
    real = TypeInfo.for_signing

    def second_batch_dies(self):  # one copy of the type per batch (issuance.store)
        calls["n"] += 1
        return _DieWhenUnpickled() if calls["n"] > 1 else real(self)

    monkeypatch.setattr(TypeInfo, "for_signing", second_batch_dies)
    before = _counts(app, dept)
    with SigningPool(2) as pool:
        deps = replace(app.credentials_services.deps, signing_pool=pool)
        with pytest.raises(SigningPoolBroken):
            bulk_import.run(deps, path, dept.code, batch=10)
    after = _counts(app, dept)
    # The first batch is stored whole; nothing of the second (slots, entries, keys).
    assert after["licences"] - before["licences"] == 10
    assert after["audit"] - before["audit"] == 10
    assert after["keys"] - before["keys"] == 10
    assert after["allocated"] - before["allocated"] == 10
    assert _chain_intact(app)
    monkeypatch.setattr(TypeInfo, "for_signing", real)
    again = bulk_import.run(app.credentials_services.deps, path, dept.code, batch=10,
                            workers=2)
    assert (again.imported, again.skipped, again.rejected) == (20, 10, [])
    assert _counts(app, dept)["licences"] - before["licences"] == 30
    assert _chain_intact(app)


def test_the_cli_says_what_to_do_when_a_signing_process_dies(app, unique, tmp_path,
                                                              monkeypatch):
    from click.testing import CliRunner

    from admin.cli import cli

    dept = make_department(app, unique)
    path = tmp_path / "crash.jsonl"
    path.write_text(json.dumps(dept.body(serial=f"L{unique.upper()}"), ensure_ascii=False)
                    + "\n" + json.dumps(dept.body(serial=f"M{unique.upper()}"),
                                        ensure_ascii=False) + "\n", encoding="utf-8")
    monkeypatch.setattr(TypeInfo, "for_signing", lambda self: _DieWhenUnpickled())
    with app.app_context():
        result = CliRunner().invoke(cli, ["licenses", "import", str(path), "--department",
                                          dept.code, "--workers", "1"])
    assert result.exit_code == 1
    assert "a signing process died" in result.output
    assert "run the import again" in result.output
    assert "Traceback" not in result.output
    assert _counts(app, dept)["licences"] == 0


def test_rows_copied_read_back_as_inserted_ones(app, unique):
    """On PostgreSQL store() writes several rows with COPY (edge.bulk_rows), one with an
    INSERT: both read back the same values (aware UTC times, JSON with CJK text), the
    audit entries' HMACs verify, and a refused row is an IntegrityError either way."""
    from sqlalchemy import event

    dept = make_department(app, unique)
    deps = app.credentials_services.deps
    now = deps.clock()
    inserts = []

    def seen(_conn, _cursor, statement, *_):
        if statement.lstrip().upper().startswith("INSERT INTO CREDENTIAL_LICENCES"):
            inserts.append(statement)

    engine = app.services.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        stored = {}
        for count in (3, 1):
            with app.services.sessions() as session:
                cat = issuance.catalogue_of(session, deps, dept.code)
                items = [issuance.prepare(session, cat, _request(dept, f"R{unique.upper()}"
                                                                      f"{count}{i}"), now)
                         for i in range(count)]
            with app.services.sessions.begin() as session:
                stored[count] = (items, issuance.store(session, deps, items, now))
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    copied = engine.dialect.name == "postgresql"
    assert len(inserts) == (1 if copied else 2)
    with app.services.sessions() as session:
        for items, licences in stored.values():
            for item, licence in zip(items, licences, strict=True):
                row = session.get(Licence, licence.identifier)
                assert row.claims == item.request.claims and "地址" not in row.claims
                assert row.claims["address"].startswith("广州市")
                assert (row.issued_at, row.valid_from, row.valid_until) == (
                    now, item.valid_from, item.valid_until)
                assert row.issued_at.utcoffset() is not None
                assert (row.status_list_id, row.status_idx, row.sd_jwt) == (
                    licence.status_list_id, licence.status_idx, licence.sd_jwt)
    assert _chain_intact(app)
    with pytest.raises(IntegrityError), app.services.sessions.begin() as session:
        issuance.store(session, deps, stored[3][0], now)  # the same content keys again


def test_a_line_repeated_in_the_next_batch_is_counted_as_before(app, unique, tmp_path):
    """The import checks batch k+1 while it stores batch k, so a line of k+1 repeating
    one of k is not seen as stored by the check: the unique indexes catch it when k+1
    is stored, and it is counted as a sequential import counts it (the same content:
    already imported; other content under the same serial: refused), stored once."""
    dept = make_department(app, unique)
    first = [dept.body(serial=f"D{unique.upper()}{i:02d}") for i in range(10)]
    other = dept.body(serial=f"D{unique.upper()}03")  # same serial, other content
    second = [first[2], other] + [dept.body(serial=f"E{unique.upper()}{i:02d}")
                                  for i in range(8)]
    path = tmp_path / "repeats.jsonl"
    path.write_text("".join(json.dumps(b, ensure_ascii=False) + "\n" for b in first + second),
                    encoding="utf-8")
    before = _counts(app, dept)
    summary = bulk_import.run(app.credentials_services.deps, path, dept.code, batch=10)
    assert (summary.total, summary.imported, summary.skipped) == (20, 18, 1)
    assert summary.rejected == [(12, ["serial: already_imported"])]
    after = _counts(app, dept)
    assert after["licences"] - before["licences"] == 18
    assert after["audit"] - before["audit"] == 18
    assert after["keys"] - before["keys"] == 18
    assert _chain_intact(app)
