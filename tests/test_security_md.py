"""SECURITY.md claims no control without a test: every ``tests/...py::name`` it
names must be a test function that exists, so a renamed or deleted test breaks
the build instead of leaving the document pointing at nothing."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def references() -> list[tuple[str, str]]:
    return REFERENCE.findall((ROOT / "SECURITY.md").read_text(encoding="utf-8"))


def test_security_md_names_tests_for_its_controls():
    assert len(references()) >= 30


def test_every_test_security_md_names_exists():
    missing = []
    for path, name in references():
        source = ROOT / path
        if not source.is_file() or not re.search(rf"^def {name}\(", source.read_text(
                encoding="utf-8"), re.M):
            missing.append(f"{path}::{name}")
    assert missing == []
