import secrets

import pytest


@pytest.fixture
def client(app):
    """A test client from its own address so login throttling never crosses tests."""
    test_client = app.test_client()
    test_client.environ_base["REMOTE_ADDR"] = f"10.{secrets.randbelow(256)}." \
        f"{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"
    return test_client
