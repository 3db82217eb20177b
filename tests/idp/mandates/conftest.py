"""Fixtures of the 代办 tests: the phone (the device tests' own) and a moved clock."""

from __future__ import annotations

import pytest

from tests.idp.device.conftest import Clock, phone  # noqa: F401 - the fixture, reused


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """``idp.mandates.now``, moved by the test (no sleeping)."""
    moved = Clock()
    monkeypatch.setattr("idp.mandates.now", moved)
    return moved
