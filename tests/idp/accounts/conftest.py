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


@pytest.fixture
def lock_app(migrated, tmp_path):
    """An app whose throttle locks a (name, source) after 3 wrong passwords and has no
    per-name delay: its answers depend on counts only, never on how fast a test runs."""
    from admin.app import create_app
    from tests.conftest import test_settings

    application = create_app(test_settings(migrated, LOGIN_LOCK_AFTER=3, LOGIN_DELAY_MAX=0),
                             instance_path=tmp_path)
    yield application
    application.services.engine.dispose()


@pytest.fixture
def lock_client(lock_app):
    test_client = lock_app.test_client()
    test_client.environ_base["REMOTE_ADDR"] = f"10.{secrets.randbelow(256)}." \
        f"{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"
    return test_client
