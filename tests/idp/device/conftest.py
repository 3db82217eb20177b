"""Fixtures of the device authorization grant tests: a terminal's and a phone's test
clients (each from its own address), and a clock the tests move."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest

from edge.timestamps import utcnow


def _address() -> str:
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


@pytest.fixture
def terminal(app):
    """The terminal's HTTP client."""
    test_client = app.test_client()
    test_client.environ_base["REMOTE_ADDR"] = _address()
    return test_client


@pytest.fixture
def phone(app):
    """The person's phone (a browser with its own cookies and address)."""
    test_client = app.test_client()
    test_client.environ_base["REMOTE_ADDR"] = _address()
    return test_client


class Clock:
    """``idp.device_authorizations.now``, moved by the test (no sleeping)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self):
        return utcnow() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr("idp.device_authorizations.now", moved)
    return moved
