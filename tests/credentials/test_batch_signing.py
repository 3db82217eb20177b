"""API batches signed in a pool of processes (credentials.batch_signing): a large
batch is signed there and every licence verifies; a signing process that dies mid-way
costs nothing (the chunk is signed again in the request's process, every item stored
once, the chain intact); small or concurrent batches sign in the request's process."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import func, select

from audit import log as audit_log
from credentials.batch_signing import BatchSigning
from credentials.issuer_cache import TypeInfo
from credentials.models import Licence
from credentials.signing_pool import SigningPool
from tests.credentials.helpers import dept_headers
from tests.credentials.test_issuance_fast_paths import _check_signed


class _DieWhenUnpickled:
    """Unpickled in a signing process, ends it at once (as a kill would)."""

    def __reduce__(self):
        return (os._exit, (17,))


@pytest.fixture
def pooled(app):
    signing = BatchSigning(2)
    object.__setattr__(app.credentials_services, "batch_signing", signing)
    yield signing
    signing.close()
    object.__setattr__(app.credentials_services, "batch_signing", None)


def _batch(client, app, dept, n: int):
    return client.post("/api/v1/licenses:batch", json={"items": [dept.body() for _ in range(n)]},
                       headers=dept_headers(app, dept))


def _stored(app, dept) -> list[Licence]:
    with app.services.sessions() as session:
        return list(session.scalars(select(Licence).where(Licence.department_code == dept.code)))


def test_a_large_batch_is_signed_in_the_pool_and_verifies(client, app, dept, pooled,
                                                          monkeypatch):
    submitted = []
    real = SigningPool.submit

    def spy(self, signer, jobs):
        submitted.append(len(jobs))
        return real(self, signer, jobs)

    monkeypatch.setattr(SigningPool, "submit", spy)
    response = _batch(client, app, dept, BatchSigning.MIN_ITEMS)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["issued"] == BatchSigning.MIN_ITEMS
    assert sum(submitted) == BatchSigning.MIN_ITEMS
    public = app.services.keyring.public_key(
        app.credentials_services.issuer_cache.signer(dept.code).kid)
    rows = _stored(app, dept)
    assert len(rows) == BatchSigning.MIN_ITEMS
    for row in rows:
        _check_signed(row, public)
    # A small batch signs in the request's process.
    submitted.clear()
    small = _batch(client, app, dept, 3)
    assert small.get_json()["issued"] == 3 and submitted == []


def test_a_dead_signing_process_costs_a_batch_nothing(client, app, dept, pooled,
                                                      monkeypatch):
    calls = {"n": 0}
    real = TypeInfo.for_signing

    def second_chunk_dies(self):  # one copy of the type per chunk (issuance.store)
        calls["n"] += 1
        return _DieWhenUnpickled() if calls["n"] == 2 else real(self)

    monkeypatch.setattr(TypeInfo, "for_signing", second_chunk_dies)
    n = 450  # three chunks of issue_many's 200: the second dies in the pool
    response = _batch(client, app, dept, n)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["issued"], body["rejected"]) == (n, 0)
    assert all(r["status"] == 201 for r in body["results"])
    rows = _stored(app, dept)
    assert len(rows) == n == len({r.identifier for r in rows})
    assert len({(r.status_list_id, r.status_idx) for r in rows}) == n
    assert calls["n"] >= 3  # the third chunk went to a restarted pool
    with app.services.sessions() as session:
        assert audit_log.verify_chain(session) is None
        assert session.scalar(select(func.count()).select_from(Licence).where(
            Licence.department_code == dept.code, Licence.sd_jwt.is_(None))) == 0


def test_the_pool_is_lent_to_one_large_batch_at_a_time():
    signing = BatchSigning(1)
    try:
        with signing.lend(BatchSigning.MIN_ITEMS - 1) as small:
            assert small is None
        inside = threading.Event()
        release = threading.Event()
        lent = {}

        def hold():
            with signing.lend(500) as pool:
                lent["first"] = pool
                inside.set()
                release.wait(10)

        thread = threading.Thread(target=hold)
        thread.start()
        assert inside.wait(10)
        with signing.lend(500) as second:
            lent["second"] = second
        release.set()
        thread.join()
        assert lent["first"] is signing.pool and lent["second"] is None
        with signing.lend(500) as again:
            assert again is signing.pool
    finally:
        signing.close()
