"""Halls and departments the console's tests scope staff to (shared database: unique
codes per test module)."""

from __future__ import annotations

import secrets

import pytest

from tests.admin.console.helpers import ensure_department, ensure_hall


@pytest.fixture
def places(app) -> dict:
    """Two halls and two departments of this test's own."""
    tag = secrets.token_hex(3)
    return {"hall": ensure_hall(app, f"h-{tag}-a"), "other_hall": ensure_hall(app, f"h-{tag}-b"),
            "dept": ensure_department(app, f"d{tag}a"),
            "other_dept": ensure_department(app, f"d{tag}b")}
