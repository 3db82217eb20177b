import secrets

import pytest


@pytest.fixture
def client(app):
    """A test client from its own address, so one test's deliberate failures never
    spend another's per-address budget."""
    test_client = app.test_client()
    test_client.environ_base["REMOTE_ADDR"] = f"10.{secrets.randbelow(256)}." \
        f"{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"
    return test_client


@pytest.fixture(autouse=True)
def no_backchannel_worker_outlives_the_test(request):
    """Ending sessions wakes the app's back-channel worker (deliveries to halls that
    are not listening, retried with backoff). Stop and join it with its test: a
    worker left writing to the shared SQLite file while the next test's app opens
    that file (closing a descriptor drops the process's POSIX locks on it) can leave
    another process reading a stale snapshot."""
    app = request.getfixturevalue("app") if "app" in request.fixturenames else None
    yield
    if app is None:
        return
    from tests.idp.services import backchannel_worker

    worker = backchannel_worker(app)
    if worker is not None:
        worker.stop()
        worker.join(timeout=15)
