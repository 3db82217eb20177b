"""kill -9 mid-way through an import (the CLI) and a batch issuance (a live `onegate
serve`), then run again: every licence exactly once, nothing half-written.

Each test has a database of its own (other modules' live servers record their own
issuer in the shared one) and kills a real process with SIGKILL once the database
shows it has stored some licences but not all.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import func, select

from audit.models import AuditEntry
from credentials.models import IdempotencyRecord, Licence, StatusListRow
from tests import conftest, pg
from tests.credentials.helpers import make_department

ROOT = conftest.ROOT


@pytest.fixture
def own_db(tmp_path_factory) -> Iterator[str]:
    """A database for this test alone, migrated, with provider keys."""
    from admin import bootstrap
    from admin.app import create_app

    if conftest.BACKEND == "postgresql":
        admin_url = os.environ.get("ONEGATE_TEST_POSTGRES",
                                   "postgresql+psycopg://postgres@127.0.0.1:5432/test")
        try:
            url, drop = pg.create_database(admin_url)
        except pg.Unreachable as exc:
            conftest.unavailable(f"PostgreSQL is not reachable ({exc})")
    else:
        url, drop = f"sqlite:///{tmp_path_factory.mktemp('crash') / 'onegate.db'}", None
    app = create_app(conftest.test_settings(url), instance_path=tmp_path_factory.mktemp("i"))
    bootstrap.initialise(app)
    app.services.engine.dispose()
    yield url
    if drop is not None:
        drop()


def make_app(url: str, instance, **settings):
    from admin.app import create_app

    return create_app(conftest.test_settings(url, **settings), instance_path=instance)


def licences(app, dept) -> int:
    with app.services.sessions() as session:
        return session.scalar(select(func.count()).select_from(Licence)
                              .where(Licence.department_code == dept.code))


def kill_when_midway(process: subprocess.Popen, app, dept, total: int) -> int:
    """SIGKILL the process group once some but not all licences are stored."""
    while True:
        stored = licences(app, dept)
        assert process.poll() is None, "the process ended before it could be killed"
        assert stored < total, "everything was stored before the kill"
        if stored > 0:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            return licences(app, dept)
        time.sleep(0.01)  # poll interval, not a wait for progress


def assert_whole(app, dept, total: int, action: str) -> None:
    """Every licence once, with its own status slot, idempotency record and audit entry;
    each list's allocated count equals its licences (no slot without a licence)."""
    with app.services.sessions() as session:
        where = Licence.department_code == dept.code
        assert session.scalar(select(func.count()).select_from(Licence).where(where)) == total
        assert session.scalar(select(func.count(func.distinct(Licence.serial))).where(where)) \
            == total
        slots = session.execute(select(Licence.status_list_id, Licence.status_idx,
                                       func.count()).where(where)
                                .group_by(Licence.status_list_id, Licence.status_idx)
                                .having(func.count() > 1)).all()
        assert slots == []
        per_list = dict(session.execute(select(Licence.status_list_id, func.count())
                                        .where(where).group_by(Licence.status_list_id)).all())
        allocated = dict(session.execute(select(StatusListRow.id, StatusListRow.allocated)
                                         .where(StatusListRow.department_code == dept.code))
                         .all())
        assert per_list == {k: v for k, v in allocated.items() if v}
        identifiers = set(session.scalars(select(Licence.identifier).where(where)))
        recorded = list(session.scalars(select(IdempotencyRecord.identifier).where(
            IdempotencyRecord.identifier.in_(identifiers))))
        assert len(recorded) == total and set(recorded) == identifiers
        audited = list(session.scalars(select(AuditEntry.subject).where(
            AuditEntry.action == action, AuditEntry.subject.in_(identifiers))))
        assert len(audited) == total and set(audited) == identifiers


def cli_env(url: str, instance) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEGATE_")}
    env.update({f"ONEGATE_{k}": str(v) for k, v in conftest.test_settings(url).items()})
    env["ONEGATE_INSTANCE_PATH"] = str(instance)
    return env


def test_import_killed_mid_way_then_rerun_stores_every_licence_once(own_db, tmp_path, unique):
    app = make_app(own_db, tmp_path)
    dept = make_department(app, unique)
    total = 1500
    path = tmp_path / "old.jsonl"
    path.write_text("".join(json.dumps(dept.body(serial=f"K{n:07d}"), ensure_ascii=False)
                            + "\n" for n in range(total)), encoding="utf-8")
    command = [sys.executable, "-m", "admin.cli", "licenses", "import", str(path),
               "--department", dept.code, "--batch", "20"]
    process = subprocess.Popen(command, cwd=ROOT, env=cli_env(own_db, tmp_path),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    stored = kill_when_midway(process, app, dept, total)
    assert process.returncode == -signal.SIGKILL and 0 < stored < total
    rerun = subprocess.run(command, cwd=ROOT, env=cli_env(own_db, tmp_path),
                           capture_output=True, text=True, timeout=600, check=False)
    assert rerun.returncode == 0, rerun.stdout[-2000:] + rerun.stderr[-2000:]
    assert f"{total - stored} imported, {stored} already imported, 0 rejected" in rerun.stdout
    assert_whole(app, dept, total, "licence.import")
    app.services.engine.dispose()


def start_serving(url: str, instance, port: int) -> tuple[subprocess.Popen, str]:
    base = f"http://127.0.0.1:{port}"
    env = cli_env(url, instance)
    env.update(ONEGATE_ISSUER=base, ONEGATE_PORT=str(port))
    process = subprocess.Popen(
        [sys.executable, "-m", "admin.cli", "serve", "--workers", "2", "--threads", "4"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)  # its own process group: SIGKILL reaches the workers too
    conftest.wait_healthy(base, process)
    return process, base


def department_token(app, dept, issuer: str) -> str:
    now = int(time.time())
    body = {"iss": issuer, "aud": [issuer + "/api"], "scope": f"licenses:issue:{dept.type_code}",
            "client_id": dept.client_id, "sub": dept.client_id, "jti": uuid.uuid4().hex,
            "iat": now, "exp": now + 600}
    with app.app_context():
        return app.services.keyring.sign_jwt("provider", "ES256", body,
                                                          headers={"typ": "at+jwt"})


def send(base: str, token: str, key: str, items: list) -> requests.Response:
    return requests.post(base + "/api/v1/licenses:batch", json={"items": items}, timeout=300,
                         headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key})


def test_batch_issuance_killed_mid_way_then_resent_issues_every_licence_once(own_db, tmp_path,
                                                                             unique):
    batches = {f"crash-{unique}-{n}": None for n in range(4)}
    app = make_app(own_db, tmp_path)
    dept = make_department(app, unique)
    batches = {key: [dept.body() for _ in range(500)] for key in batches}
    total = sum(len(items) for items in batches.values())
    port = conftest.free_port()
    server, base = start_serving(own_db, tmp_path, port)
    token = department_token(app, dept, base)

    def first_attempt():
        for key, items in batches.items():
            try:
                send(base, token, key, items)
            except requests.RequestException:
                return  # the server died under us, as intended

    sender = threading.Thread(target=first_attempt)
    sender.start()
    try:
        stored = kill_when_midway(server, app, dept, total)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        sender.join(timeout=300)
    assert 0 < stored < total
    server, base = start_serving(own_db, tmp_path, port)  # restarted where it was
    try:
        answers = {key: send(base, token, key, items) for key, items in batches.items()}
        again = {key: send(base, token, key, items) for key, items in batches.items()}
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert [r.status_code for r in answers.values()] == [200] * len(batches), \
        [r.text[:500] for r in answers.values()]
    assert all(r.json()["issued"] == 500 for r in answers.values())
    results = {key: r.json()["results"] for key, r in answers.items()}
    replayed = sum(item["replayed"] for found in results.values() for item in found)
    assert replayed == stored  # what the killed server committed is given back, not redone
    for key, response in again.items():
        assert [i["licence"]["identifier"] for i in response.json()["results"]] == \
            [i["licence"]["identifier"] for i in results[key]]
        assert all(i["replayed"] for i in response.json()["results"])
    assert_whole(app, dept, total, "licence.issue")
    app.services.engine.dispose()
