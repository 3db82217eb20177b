import secrets

import pytest

from tests.idp.halls.helpers import Clock


@pytest.fixture
def client(app):
    """A test client from its own address so login throttling never crosses tests."""
    test_client = app.test_client()
    test_client.environ_base["REMOTE_ADDR"] = f"10.{secrets.randbelow(256)}." \
        f"{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"
    return test_client


@pytest.fixture
def clock(monkeypatch):
    """The clock of secret overlap windows, moved by the test (never a sleep)."""
    fake = Clock()
    monkeypatch.setattr("idp.clients.secret_clock", fake)
    return fake
