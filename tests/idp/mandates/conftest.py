"""Fixtures of the 代办 tests: the phone (the device tests' own), a moved clock and a
station with its clerk."""

from __future__ import annotations

import pytest

from tests.idp.device.conftest import Clock, phone  # noqa: F401 - the fixture, reused
from tests.idp.mandates.helpers import clerk, station, token_for, village


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """``idp.mandates.now``, moved by the test (no sleeping)."""
    moved = Clock()
    monkeypatch.setattr("idp.mandates.now", moved)
    return moved


@pytest.fixture
def setting(app, unique):
    """A village station, its system, its clerk 王五 and the clerk's loa-2 token."""
    hall = village(app, unique, name=f"石门村服务站 {unique}")
    reg = station(app, unique, hall)
    wang = clerk(app, hall)
    return {"hall": hall, "reg": reg, "clerk": wang, "token": token_for(app, wang, reg)}
