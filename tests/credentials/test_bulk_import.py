"""Bulk import: batches, a rejected-line summary, and resuming after an interruption."""

from __future__ import annotations

import json

import pytest

from credentials import bulk_import
from credentials.models import Licence
from credentials.services import deps
from tests.credentials.conftest import count
from tests.credentials.helpers import bad_check


def write(tmp_path, dept, n, bad_lines=()):
    lines = []
    for number in range(1, n + 1):
        body = dept.body()
        if number in bad_lines:
            body["holder"]["number"] = bad_check(body["holder"]["number"])
        lines.append(json.dumps(body, ensure_ascii=False))
    lines.insert(5, "{not json")  # line 6
    path = tmp_path / "old.jsonl"
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
        bulk_import.run(deps(), path, dept.code, batch=16)
    partial = count(app, Licence, department_code=dept.code)
    assert 0 < partial < 59
    monkeypatch.setattr(bulk_import, "parse_line", real)
    with app.app_context():
        summary = bulk_import.run(deps(), path, dept.code, batch=16)
    assert count(app, Licence, department_code=dept.code) == 59  # 60 good lines minus one bad
    assert summary.skipped == partial
    assert summary.imported == 59 - partial
    rejected = dict(summary.rejected)
    assert set(rejected) == {6, 11}  # the JSON garbage, the bad check digit (after it)
    assert rejected[11] == ["holder.number: bad_check_character"]
    with app.app_context():
        again = bulk_import.run(deps(), path, dept.code, batch=16)
    assert (again.imported, again.skipped) == (0, 59)


def test_cli_prints_summary(app, dept, tmp_path):
    from tests.credentials.test_catalogue import run_cli

    path = write(tmp_path, dept, 8, bad_lines={2})
    result = run_cli(app, "licenses", "import", str(path), "--department", dept.code)
    assert result.exit_code == 1, result.output  # rejected lines: scripts must notice
    assert "7 imported" in result.output and "2 rejected" in result.output
    assert "line 2: holder.number: bad_check_character" in result.output
    assert "line 6: body: invalid_json" in result.output
