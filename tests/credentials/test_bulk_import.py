"""Bulk import: batches, a rejected-line summary, and resuming after an interruption."""

from __future__ import annotations

import json

import pytest

from credentials import bulk_import
from credentials.models import Licence
from tests.credentials.conftest import count
from tests.credentials.helpers import bad_check


def write(tmp_path, dept, n, bad_lines=(), name="old.jsonl"):
    lines = []
    for number in range(1, n + 1):
        body = dept.body(serial=f"S{dept.code.upper()}{number:05d}", version=1)
        if number in bad_lines:
            body["holder"]["number"] = bad_check(body["holder"]["number"])
        lines.append(json.dumps(body, ensure_ascii=False))
    lines.insert(5, "{not json")  # line 6
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_resumes_without_duplicates_or_losses(app, dept, tmp_path, monkeypatch):
    path = write(tmp_path, dept, 60, bad_lines={10})
    real = bulk_import.parse_line
    seen = {"n": 0}

    def flaky(raw):
        seen["n"] += 1
        if seen["n"] == 38:  # line K+1 raises: the interruption
            raise KeyboardInterrupt
        return real(raw)

    monkeypatch.setattr(bulk_import, "parse_line", flaky)
    with app.app_context(), pytest.raises(KeyboardInterrupt):
        bulk_import.run(app.credentials_services.deps, path, dept.code, batch=16)
    partial = count(app, Licence, department_code=dept.code)
    assert 0 < partial < 59
    monkeypatch.setattr(bulk_import, "parse_line", real)
    with app.app_context():
        summary = bulk_import.run(app.credentials_services.deps, path, dept.code, batch=16)
    assert count(app, Licence, department_code=dept.code) == 59  # 60 good lines minus one bad
    assert summary.skipped == partial
    assert summary.imported == 59 - partial
    rejected = dict(summary.rejected)
    assert set(rejected) == {6, 11}  # the JSON garbage, the bad check digit (after it)
    assert rejected[11] == ["holder.number: bad_check_character"]
    with app.app_context():
        again = bulk_import.run(app.credentials_services.deps, path, dept.code, batch=16)
    assert (again.imported, again.skipped) == (0, 59)


def test_cli_prints_summary(app, dept, tmp_path):
    from tests.credentials.test_catalogue import run_cli

    path = write(tmp_path, dept, 8, bad_lines={2})
    result = run_cli(app, "licenses", "import", str(path), "--department", dept.code)
    assert result.exit_code == 1, result.output  # rejected lines: scripts must notice
    assert "7 imported" in result.output and "2 rejected" in result.output
    assert "line 2: holder.number: bad_check_character" in result.output
    assert "line 6: body: invalid_json" in result.output


def write_lines(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_fixing_a_rejected_line_imports_exactly_that_line(app, dept, tmp_path):
    path = write(tmp_path, dept, 12, bad_lines={3})
    with app.app_context():
        first = bulk_import.run(app.credentials_services.deps, path, dept.code)
    assert (first.imported, len(first.rejected)) == (11, 2)  # line 3 and the garbage line 6
    lines = path.read_text(encoding="utf-8").splitlines()
    fixed = json.loads(lines[2])
    fixed["holder"] = dept.holder()  # a valid ID number this time
    lines[2] = json.dumps(fixed, ensure_ascii=False)
    write_lines(path, lines)  # another file hash, same licences
    with app.app_context():
        second = bulk_import.run(app.credentials_services.deps, path, dept.code)
    assert (second.imported, second.skipped) == (1, 11)
    assert [n for n, _ in second.rejected] == [6]
    assert count(app, Licence, department_code=dept.code) == 12
    assert count(app, Licence, department_code=dept.code, serial=fixed["serial"]) == 1


def test_partial_copy_imports_nothing_new_with_bulk_queries(app, dept, tmp_path):
    from sqlalchemy import event

    path = write(tmp_path, dept, 120)
    with app.app_context():
        bulk_import.run(app.credentials_services.deps, path, dept.code, batch=60)
    stored = count(app, Licence, department_code=dept.code)
    copy = write_lines(tmp_path / "copy.jsonl", path.read_text(encoding="utf-8").splitlines()[:90])
    statements = []
    engine = app.services.engine

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with app.app_context():
            summary = bulk_import.run(app.credentials_services.deps, copy, dept.code, batch=60)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert (summary.imported, summary.skipped, summary.total) == (0, 89, 90)
    assert count(app, Licence, department_code=dept.code) == stored == 120
    assert not [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    # A few statements per batch of 60 lines, not one per line.
    assert len(statements) <= 12, statements


def test_same_serial_with_other_content_is_rejected_not_duplicated(app, dept, tmp_path):
    path = write(tmp_path, dept, 3)
    with app.app_context():
        bulk_import.run(app.credentials_services.deps, path, dept.code)
    lines = path.read_text(encoding="utf-8").splitlines()
    changed = json.loads(lines[0])
    changed["claims"]["note"] = "改过"
    other = write_lines(tmp_path / "changed.jsonl", [json.dumps(changed, ensure_ascii=False)])
    with app.app_context():
        summary = bulk_import.run(app.credentials_services.deps, other, dept.code)
    assert summary.imported == 0
    assert summary.rejected == [(1, ["serial: already_imported"])]
    assert count(app, Licence, department_code=dept.code, serial=changed["serial"]) == 1


def test_import_lines_need_a_serial(app, dept, tmp_path):
    path = write_lines(tmp_path / "noserial.jsonl", [json.dumps(dept.body(), ensure_ascii=False)])
    with app.app_context():
        summary = bulk_import.run(app.credentials_services.deps, path, dept.code)
    assert summary.rejected == [(1, ["serial: required"])]
    assert count(app, Licence, department_code=dept.code) == 0


def test_database_refuses_a_second_licence_with_the_same_content_key(app, dept):
    """(department, serial, version) is unique in the schema, whatever the identifier."""
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    from credentials import issuance
    from credentials.issue_request import parse_issue_request

    request = parse_issue_request(dept.body(serial="DUP0001", version=2),
                                  allow_import_fields=True)
    with app.app_context():
        outcome = issuance.issue_many(app.credentials_services.deps, dept.code, [request])[0]
    assert outcome.error is None
    sessions = app.services.sessions
    with pytest.raises(IntegrityError), sessions.begin() as session:
        row = session.scalar(select(Licence).where(Licence.identifier
                                                   == outcome.licence.identifier))
        session.expunge(row)
        from sqlalchemy.orm import make_transient

        make_transient(row)
        row.identifier = row.identifier + "X"  # another identifier, same content key
        row.status_idx = row.status_idx + 1 if row.status_idx < 49_999 else 0
        session.add(row)
        session.flush()
    assert count(app, Licence, department_code=dept.code, serial="DUP0001") == 1


def test_two_concurrent_imports_store_each_licence_once(app, dept, tmp_path):
    import threading

    path = write(tmp_path, dept, 80)
    results, failures = [], []

    def one():
        try:
            with app.app_context():
                results.append(bulk_import.run(app.credentials_services.deps, path,
                                               dept.code, batch=20))
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert count(app, Licence, department_code=dept.code) == 80
    assert sum(r.imported for r in results) == 80
    assert all(n == 6 for r in results for n, _ in r.rejected)
    with app.services.sessions() as session:
        from sqlalchemy import func, select

        dupes = session.execute(select(Licence.serial, func.count()).where(
            Licence.department_code == dept.code).group_by(Licence.serial)
            .having(func.count() > 1)).all()
    assert dupes == []
