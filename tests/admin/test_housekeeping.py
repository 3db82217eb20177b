"""The housekeeping job: expired rows go in batches, live rows stay, counts reach the
logs and metrics, scheduled rotations run, and one runner per deployment."""

from __future__ import annotations

import json
import secrets
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from admin import housekeeping
from admin.app import create_app
from admin.cli import cli
from admin.runner_lock import RunnerLock
from edge.sweeps import sweep
from idp.models.clients import ClientAssertionJti
from idp.models.device_authorizations import DeviceAuthorization
from idp.models.login_throttle import LoginThrottle
from idp.models.reauth_demands import ReauthDemand
from idp.models.reset_codes import ResetCode
from idp.models.tokens import AuthorizationCode, BackchannelDelivery, RevokedAccessToken
from tests import conftest
from tests.idp.accounts.factories import make_person
from verify.models import RateCounter

DAY = timedelta(days=1)


def _code(tag: str, expires: datetime) -> AuthorizationCode:
    return AuthorizationCode(code_hash=secrets.token_hex(32), client_id=tag,
                             redirect_uri="https://hall.example/cb", sub="s", auth_time=0,
                             expires_at=expires)


def _outbox(tag: str, now: datetime, **when) -> BackchannelDelivery:
    return BackchannelDelivery(client_id=tag, uri="https://hall.example/bc", token="t",
                               next_attempt_at=now, **when)


def _reset_code(tag: str, account_id: int, expires: datetime) -> ResetCode:
    return ResetCode(account_id=account_id, code_hash=secrets.token_hex(32), channel="sms",
                     resets_password=True, resets_totp=False, issued_by=tag,
                     expires_at=expires)


def _rows(tag: str, now: datetime, expired: bool, account_id: int) -> list:
    """One row of each swept kind, all past their time or all still in use."""
    long_ago, soon = now - 3 * DAY, now + DAY
    at = long_ago if expired else soon
    epoch = (now - 3 * DAY if expired else now + DAY).timestamp()
    outbox = (_outbox(tag, now, delivered_at=long_ago) if expired
              else _outbox(tag, now, delivered_at=now - timedelta(minutes=5)))
    return [_code(tag, at), RevokedAccessToken(jti=f"{tag}-{expired}", expires_at=at),
            ClientAssertionJti(key=f"{tag}-{expired}", expires_at=at),
            ReauthDemand(request_key=f"{tag}-{expired}", requested_at=now, expires_at=at),
            LoginThrottle(key=f"{tag}-{expired}", attempts=1, expires_at=epoch,
                          locked_until=0.0 if expired else epoch),
            outbox,
            RateCounter(key=f"{tag}-{expired}", window_start=int(epoch), hits=1),
            # Kept REFRESH_TOKEN_TTL (30 days) after expiry: 3 days past it stays.
            _device(tag, now - (40 * DAY if expired else 3 * DAY)),
            _reset_code(tag, account_id, at)]


def _device(tag: str, expires: datetime) -> DeviceAuthorization:
    return DeviceAuthorization(device_code_hash=secrets.token_hex(32), user_code_hash="u",
                               purpose="terminal", client_id=tag, interval=5,
                               expires_at=expires)


def _mine(session, tag: str) -> int:
    """How many of this test's rows are left, over every swept table."""
    return sum(session.scalar(select(func.count()).select_from(model).where(column == value))
               for model, column, value in (
                   (AuthorizationCode, AuthorizationCode.client_id, tag),
                   (DeviceAuthorization, DeviceAuthorization.client_id, tag),
                   (BackchannelDelivery, BackchannelDelivery.client_id, tag),
                   (RevokedAccessToken, RevokedAccessToken.jti.like(f"{tag}-%"), True),
                   (ClientAssertionJti, ClientAssertionJti.key.like(f"{tag}-%"), True),
                   (ReauthDemand, ReauthDemand.request_key.like(f"{tag}-%"), True),
                   (ResetCode, ResetCode.issued_by, tag),
                   (LoginThrottle, LoginThrottle.key.like(f"{tag}-%"), True),
                   (RateCounter, RateCounter.key.like(f"{tag}-%"), True)))


def _expired_now(app, now) -> dict[str, int]:
    """What each sweep would delete now, counted independently of the sweep."""
    with app.services.sessions() as session:
        return {job.kind: session.scalar(select(func.count()).select_from(job.model)
                                         .where(job.where(now)))
                for job in housekeeping.all_sweeps(app.services.settings)}


def test_only_expired_rows_go_and_the_counts_say_how_many(app, unique):
    now = datetime.now(UTC)
    owner = make_person(app, unique)["id"]
    with app.services.sessions.begin() as session:
        session.add_all(_rows(f"old{unique}", now, expired=True, account_id=owner)
                        + _rows(f"new{unique}", now, expired=False, account_id=owner))
    expected = _expired_now(app, now)
    assert all(count >= 1 for count in expected.values()), expected
    report = housekeeping.run_once(app, now)
    assert report.deleted == expected
    with app.services.sessions() as session:
        assert _mine(session, f"old{unique}") == 0
        assert _mine(session, f"new{unique}") == 9  # every live row is still there
    assert set(_expired_now(app, now).values()) == {0}
    metrics = app.metrics.exposition().decode()
    assert (f'onegate_housekeeping_deleted_rows_total{{kind="authorization_codes"}} '
            f'{float(expected["authorization_codes"])}') in metrics
    assert 'onegate_housekeeping_runs_total{outcome="ok"} 1.0' in metrics


def test_a_long_failed_back_channel_message_goes_a_recent_failure_stays(app, unique):
    now = datetime.now(UTC)
    tag = f"bc{unique}"
    with app.services.sessions.begin() as session:
        session.add_all([_outbox(tag, now, failed_at=now - 40 * DAY),
                         _outbox(tag, now, failed_at=now - DAY),
                         _outbox(tag, now)])  # pending: never swept
    housekeeping.run_once(app, now)
    with app.services.sessions() as session:
        left = session.scalars(select(BackchannelDelivery.failed_at)
                               .where(BackchannelDelivery.client_id == tag)).all()
    assert len(left) == 2 and all(f is None or f > now - 2 * DAY for f in left)


def test_deletes_in_batches_of_the_configured_size(app, unique):
    now = datetime.now(UTC)
    tag = f"batch{unique}"
    with app.services.sessions.begin() as session:
        session.add_all([RevokedAccessToken(jti=f"{tag}-{i}", expires_at=now - DAY)
                         for i in range(5)])
    job = next(j for j in housekeeping.all_sweeps(app.services.settings)
               if j.kind == "denylisted_access_tokens")
    assert sweep(app.services.sessions, job, now, batch=2, max_batches=1) == 2
    assert sweep(app.services.sessions, job, now, batch=2) >= 3
    with app.services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(RevokedAccessToken)
                              .where(RevokedAccessToken.jti.like(f"{tag}-%"))) == 0


def test_two_runners_one_runs(app, migrated, tmp_path):
    other = create_app(conftest.test_settings(migrated), instance_path=tmp_path / "other")
    first, second = RunnerLock(app.services.engine), RunnerLock(other.services.engine)
    reports: list = []
    barrier = threading.Barrier(2)

    def runner(target, lock):
        barrier.wait()
        reports.append(housekeeping.run_if_leader(target, lock))

    threads = [threading.Thread(target=runner, args=pair)
               for pair in ((app, first), (other, second))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(r.ran for r in reports) == [False, True]
        # The leader keeps the lock between runs; the other takes over once it is gone.
        leader, follower = (first, second) if first.held else (second, first)
        assert follower.acquire() is False
        leader.release()
        assert follower.acquire() is True
    finally:
        first.release()
        second.release()
        other.services.engine.dispose()


def test_cli_once_reports_json_and_skips_while_another_runner_holds_the_lock(app):
    with app.app_context():
        result = CliRunner().invoke(cli, ["housekeeping", "--once", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ran"] is True and "authorization_codes" in report["deleted"]
    holder = RunnerLock(app.services.engine)
    assert holder.acquire()
    try:
        with app.app_context():
            skipped = CliRunner().invoke(cli, ["housekeeping", "--once", "--json"])
        assert skipped.exit_code == 0 and json.loads(skipped.output)["ran"] is False
    finally:
        holder.release()


def test_housekeeping_publishes_keys_whose_scheduled_rotation_is_due(app, unique):
    from tests.credentials.helpers import make_department

    dept = make_department(app, unique)
    owner = f"dept:{dept.code}"
    with app.app_context():
        set_ = CliRunner().invoke(cli, ["--operator", "bob", "keys", "schedule", "--owner",
                                        owner, "--every", "90d", "--prepublish", "7d",
                                        "--json"])
        assert set_.exit_code == 0, set_.output
        due = datetime.fromisoformat(json.loads(set_.output)["next_rotation_at"])
        listed = json.loads(CliRunner().invoke(cli, ["keys", "list", "--owner", owner,
                                                     "--json"]).output)
    assert {row["next_rotation_at"] for row in listed} == {due.isoformat()}
    early = housekeeping.run_once(app, due - timedelta(minutes=1)).rotated
    assert [r for r in early if r[0] == owner] == []
    mine = [r for r in housekeeping.run_once(app, due + timedelta(minutes=1)).rotated
            if r[0] == owner]
    assert len(mine) == 1
    states = {r.kid: r.state for r in app.services.keyring.records(owner)}
    assert states[mine[0][1]] == "next"
    assert 'onegate_scheduled_key_rotations_total' in app.metrics.exposition().decode()


@pytest.mark.parametrize("args,message", [
    (["--owner", "nobody", "--every", "90d"], "owner must be"),
    (["--owner", "dept:nosuch", "--every", "90d"], "no department 'nosuch'"),
    (["--owner", "provider", "--every", "1h"], "at least 1 day"),
    (["--owner", "provider", "--every", "soon"], "expected a duration"),
    (["--owner", "provider", "--every", "10d", "--prepublish", "10d"], "shorter than"),
])
def test_bad_schedules_are_one_line_errors(app, args, message):
    with app.app_context():
        result = CliRunner().invoke(cli, ["keys", "schedule", *args])
    assert result.exit_code in (1, 2) and message in result.output
    assert "Traceback" not in result.output


def _runs(app, outcome: str) -> float:
    value = app.metrics.registry.get_sample_value("onegate_housekeeping_runs_total",
                                                  {"outcome": outcome})
    return value or 0.0


def _poll(predicate, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)  # poll interval, not a wait for readiness
    return False


def test_the_scheduler_in_each_worker_runs_the_job_in_one_only(migrated, tmp_path):
    """As `onegate serve` starts it in every worker: two apps, one runs, one skips."""
    settings = conftest.test_settings(migrated, HOUSEKEEPING_INTERVAL=1)
    apps = [create_app(settings, instance_path=tmp_path / name) for name in ("a", "b")]
    schedulers = [housekeeping.start(app) for app in apps]
    try:
        assert _poll(lambda: sum(_runs(a, "ok") for a in apps) >= 2
                     and sum(_runs(a, "skipped") for a in apps) >= 2)
        assert [_runs(a, "ok") > 0 for a in apps].count(True) == 1
    finally:
        for scheduler in schedulers:
            scheduler.stop()
        for app in apps:
            app.services.engine.dispose()


def test_the_scheduler_is_off_when_disabled(migrated, tmp_path):
    app = create_app(conftest.test_settings(migrated, HOUSEKEEPING_ENABLED=False),
                     instance_path=tmp_path)
    assert housekeeping.start(app) is None
    app.services.engine.dispose()


def test_onegate_serve_runs_the_job_in_one_worker(migrated, tmp_path, app):
    """A real `onegate serve` with two workers: the expired row goes, and every run is
    logged by the same worker."""
    jti = "served-" + secrets.token_hex(4)
    with app.services.sessions.begin() as session:
        session.add(RevokedAccessToken(jti=jti, expires_at=datetime.now(UTC) - DAY))
    server = conftest.start_server(migrated, tmp_path, HOUSEKEEPING_INTERVAL=1,
                                   LOG_LEVEL="INFO")
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(server.process.stdout.readline,
                                                               "")), daemon=True)
    reader.start()
    try:
        runs = lambda: [line for line in list(lines) if "housekeeping run by pid" in line]  # noqa: E731
        assert _poll(lambda: len(runs()) >= 3, seconds=60), lines[-20:]
        pids = {json.loads(line)["msg"].split()[4].rstrip(":") for line in runs()}
        assert len(pids) == 1
        with app.services.sessions() as session:
            assert session.get(RevokedAccessToken, jti) is None
    finally:
        server.stop()
