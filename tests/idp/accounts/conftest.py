import secrets

import pytest


@pytest.fixture
def client(app):
    """A test client from its own address, so per-IP throttling of one test's
    deliberate failures never slows another test (they share 127.0.0.1 otherwise)."""
    test_client = app.test_client()
    test_client.environ_base["REMOTE_ADDR"] = f"10.{secrets.randbelow(256)}." \
        f"{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"
    return test_client
