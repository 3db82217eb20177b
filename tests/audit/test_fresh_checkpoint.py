"""The published checkpoint covers the current head (issue 8 item 6: "detects a
truncated tail"): ``GET /audit/checkpoint`` and ``onegate audit checkpoint --show`` sign
the head on demand when it moved since the last stored checkpoint, store that
checkpoint too, and reuse it while the head stands still, so a copy fetched a moment
before a truncation finds it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner
from flask import Flask
from sqlalchemy import func, select, text

from audit import log, publishing
from audit.cli import group
from audit.models import AuditCheckpoint
from tests.audit.conftest import services_for


class _Clock:
    """Wall time the publisher reads; moved by hand (no sleeping in tests)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC) + timedelta(minutes=1)

    def __call__(self) -> datetime:
        return self.now


class _App:
    """The audit endpoints and commands over one AuditServices, as admin wires them."""

    def __init__(self, services) -> None:
        from audit import routes

        self.services = services
        self.flask = Flask("audit-fresh-test")
        self.flask.register_blueprint(routes.blueprint(services))

    def test_client(self):
        return self.flask.test_client()


def _app(sessions, clock=None) -> _App:
    # Past the reuse window of the checkpoint the appends just wrote.
    publisher = publishing.Publisher(sessions, clock=clock or _Clock())
    return _App(services_for(sessions, publisher=publisher))


def _append(sessions, n):
    for i in range(n):
        with sessions.begin() as session:
            log.append(session, actor="client:hall", action="licence.verify",
                       subject=f"lic-{i}", data={"i": i})


def _cli(app, *args):
    return CliRunner().invoke(group(lambda: app.services), list(args))


def _stored_seqs(sessions):
    with sessions() as session:
        return [row.seq for row in session.scalars(
            select(AuditCheckpoint).order_by(AuditCheckpoint.id))]


def test_fetched_checkpoint_covers_the_head_and_finds_a_truncated_tail(sessions, tmp_path):
    app = _app(sessions)
    _append(sessions, 4)
    assert _stored_seqs(sessions) == [1]  # the cadence alone lags behind the head
    response = app.test_client().get("/audit/checkpoint")
    assert response.status_code == 200
    assert response.get_json()["seq"] == 4
    copy = tmp_path / "cp.json"
    copy.write_bytes(response.get_data())

    with sessions.begin() as session:  # the tail and the checkpoints that covered it
        session.execute(text("DELETE FROM audit_entries WHERE seq >= 3"))
        session.execute(text("DELETE FROM audit_checkpoints WHERE seq >= 3"))
    assert _cli(app, "verify").exit_code == 0  # the database alone looks whole
    broken = _cli(app, "verify", "--checkpoint", str(copy))
    assert broken.exit_code == 1, broken.output
    assert f"checkpoint {copy} (seq 4)" in broken.output
    assert "entries 3..4 were deleted (tail truncated)" in broken.output


def test_checkpoint_made_on_demand_is_stored_and_finds_the_truncation_alone(sessions):
    app = _app(sessions)
    _append(sessions, 4)
    assert app.test_client().get("/audit/checkpoint").get_json()["seq"] == 4
    assert _stored_seqs(sessions) == [1, 4]
    with sessions.begin() as session:
        session.execute(text("DELETE FROM audit_entries WHERE seq >= 3"))
    broken = _cli(app, "verify")
    assert broken.exit_code == 1, broken.output
    assert "stored checkpoint" in broken.output and "(seq 4)" in broken.output
    assert "entries 3..4 were deleted (tail truncated)" in broken.output


def test_show_signs_the_current_head_too(sessions, tmp_path):
    app = _app(sessions)
    _append(sessions, 4)
    shown = _cli(app, "checkpoint", "--show")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["seq"] == 4
    assert _stored_seqs(sessions) == [1, 4]


def test_unmoved_head_gives_the_same_checkpoint_and_304(sessions):
    clock = _Clock()
    app = _app(sessions, clock)
    client = app.test_client()
    _append(sessions, 3)
    first = client.get("/audit/checkpoint")
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag
    assert "no-cache" in first.headers["Cache-Control"]
    clock.now += timedelta(minutes=5)  # long past the reuse window: the head decides
    second = client.get("/audit/checkpoint")
    assert second.get_json()["checkpoint"] == first.get_json()["checkpoint"]
    assert second.headers["ETag"] == etag
    again = client.get("/audit/checkpoint", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert _stored_seqs(sessions) == [1, 3]  # one signature for the head, not one per poll

    _append(sessions, 1)
    clock.now += timedelta(minutes=5)
    moved = client.get("/audit/checkpoint", headers={"If-None-Match": etag})
    assert moved.status_code == 200 and moved.get_json()["seq"] == 4
    assert moved.headers["ETag"] != etag


def test_reuse_window_bounds_signing_under_load(sessions):
    clock = _Clock()
    app = _app(sessions, clock)
    client = app.test_client()
    _append(sessions, 2)
    assert client.get("/audit/checkpoint").get_json()["seq"] == 2
    _append(sessions, 1)
    clock.now += timedelta(seconds=2)
    # Within the window the same checkpoint is served without signing again.
    assert client.get("/audit/checkpoint").get_json()["seq"] == 2
    # Another worker (its own publisher, no cache) also reuses the fresh stored one.
    other = _app(sessions, clock)
    assert other.test_client().get("/audit/checkpoint").get_json()["seq"] == 2
    assert _stored_seqs(sessions) == [1, 2]
    clock.now += timedelta(seconds=6)
    assert client.get("/audit/checkpoint").get_json()["seq"] == 3
    assert _stored_seqs(sessions) == [1, 2, 3]


def test_empty_log_with_a_kept_checkpoint_is_tampered(sessions, tmp_path):
    app = _app(sessions)
    _append(sessions, 2)
    copy = tmp_path / "cp.json"
    copy.write_bytes(app.test_client().get("/audit/checkpoint").get_data())
    with sessions.begin() as session:
        session.execute(text("DELETE FROM audit_entries"))
    broken = _cli(app, "verify")
    assert broken.exit_code == 1 and "the log is empty" in broken.output
    with sessions.begin() as session:
        session.execute(text("DELETE FROM audit_checkpoints"))
    assert _cli(app, "verify").exit_code == 0  # nothing left inside to tell
    broken = _cli(app, "verify", "--checkpoint", str(copy))
    assert broken.exit_code == 1
    assert "the log is empty" in broken.output and f"checkpoint {copy} (seq 2)" in broken.output


def test_expect_at_least_names_a_short_log(sessions):
    app = _app(sessions)
    _append(sessions, 3)
    assert _cli(app, "verify", "--expect-at-least", "3").exit_code == 0
    short = _cli(app, "verify", "--expect-at-least", "5")
    assert short.exit_code == 1
    assert "end of log" in short.output and "expected at least 5" in short.output


def test_empty_log_publishes_no_checkpoint(sessions):
    app = _app(sessions)
    response = app.test_client().get("/audit/checkpoint")
    assert response.status_code == 404
    assert response.get_json()["type"].endswith("/no-checkpoint")
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditCheckpoint)) == 0


def test_checkpoint_signed_by_a_clock_ahead_is_not_called_forged(sessions):
    from audit import checkpoints
    from audit.trail import of

    app = _app(sessions)
    _append(sessions, 2)
    ahead = datetime.now(UTC) + timedelta(hours=1)
    with sessions.begin() as session:
        assert checkpoints.make(session, of(session), force=True, now=ahead).seq == 2
    intact = _cli(app, "verify")
    assert intact.exit_code == 0, intact.output
    assert "2 checkpoints verified" in intact.output


def test_a_burst_of_polls_signs_the_head_once(sessions, trail):
    import threading
    from dataclasses import replace

    from audit import publishing
    from audit.trail import bind

    signed: list[dict] = []

    class Counting:
        def sign(self, claims):
            signed.append(claims)
            return trail.signer.sign(claims)

        def verify(self, token):
            return trail.signer.verify(token)

        def jwks(self):
            return trail.signer.jwks()

    _append(sessions, 5)
    bind(sessions, replace(trail, signer=Counting()))
    publisher = publishing.Publisher(sessions, clock=_Clock())
    barrier = threading.Barrier(8)
    seen: list[int] = []

    def poll() -> None:
        barrier.wait()
        seen.append(publisher.current().checkpoint.seq)

    threads = [threading.Thread(target=poll) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [5] * 8
    assert [claims["seq"] for claims in signed] == [5]
    assert _stored_seqs(sessions) == [1, 5]


def test_a_forged_checkpoint_dated_ahead_is_still_forged(sessions, tmp_path):
    import jwt
    from cryptography.hazmat.primitives.asymmetric import ec

    app = _app(sessions)
    _append(sessions, 3)
    token = json.loads(app.test_client().get("/audit/checkpoint").get_data())["checkpoint"]
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    ahead = int((datetime.now(UTC) + timedelta(days=1)).timestamp())
    other = ec.generate_private_key(ec.SECP256R1())
    forged = tmp_path / "forged.jws"
    forged.write_text(jwt.encode({**claims, "seq": 9, "iat": ahead}, other,
                                 algorithm="ES256", headers=header))
    broken = _cli(app, "verify", "--checkpoint", str(forged))
    assert broken.exit_code == 1
    assert "signature does not verify with our audit keys" in broken.output
    assert "InvalidSignatureError" in broken.output
