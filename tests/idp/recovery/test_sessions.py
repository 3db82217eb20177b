"""A clerk sees a person's live sessions and ends one or all; a reset ends them all.
Every ending queues back-channel logout tokens to the halls and revokes the
session's refresh tokens."""

from __future__ import annotations

import json

from sqlalchemy import select

from tests.conftest import free_port
from tests.idp.accounts.factories import login
from tests.idp.protocol.helpers import exchange, register, signed_in_code
from tests.idp.recovery.helpers import (
    audit_entries,
    cli,
    enter_code,
    hall_code,
    issue,
    other_client,
    set_password,
)


def _hall_session(app, client, unique):
    """A person signed in to a hall with a back-channel URI (nobody listens there)."""
    dead = f"http://127.0.0.1:{free_port()}/logout"
    reg = register(app, unique, trusted=True, backchannel_logout_uri=dead,
                   scopes=["openid", "profile", "offline_access"],
                   grant_types=["authorization_code", "refresh_token"])
    code, verifier, person = signed_in_code(app, client, unique, reg,
                                            scope="openid profile offline_access")
    tokens = exchange(client, reg, code, verifier).json
    assert "refresh_token" in tokens, tokens
    return reg, person


def _queued(app, client_id: str) -> int:
    from idp.models.tokens import BackchannelDelivery

    with app.services.sessions() as session:
        return len(session.scalars(select(BackchannelDelivery).where(
            BackchannelDelivery.client_id == client_id)).all())


def _live_families(app, sub: str) -> int:
    from idp.models.tokens import TokenFamily

    with app.services.sessions() as session:
        return len(session.scalars(select(TokenFamily).where(
            TokenFamily.sub == sub, TokenFamily.revoked_at.is_(None))).all())


def test_clerk_lists_sessions_with_device_and_halls(app, client, unique):
    reg, person = _hall_session(app, client, unique)
    phone = other_client(app)
    phone.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (Linux; Android 14) Mobile"
    assert login(phone, person["username"]).status_code == 302
    result = cli(app, "accounts", "sessions", person["id_number"], "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 2
    assert rows[0]["device"] == "Mozilla/5.0 (Linux; Android 14) Mobile"
    assert rows[1]["halls"] == [f"Hall {unique}"]
    assert all(r["started_at"] and r["last_seen_at"] for r in rows)
    text = cli(app, "accounts", "sessions", person["username"])
    assert text.exit_code == 0 and f"Hall {unique}" in text.output


def test_clerk_ends_one_session_then_all_with_backchannel_logout(app, client, unique):
    reg, person = _hall_session(app, client, unique)
    phone = other_client(app)
    assert login(phone, person["username"]).status_code == 302
    rows = json.loads(cli(app, "accounts", "sessions", person["sub"], "--json").output)
    phone_sid = next(r["sid"] for r in rows if not r["halls"])

    one = cli(app, "accounts", "end-sessions", person["id_number"], "--session", phone_sid,
              "--hall", hall_code(app, "越秀区政务服务中心"), "--json")
    assert one.exit_code == 0 and json.loads(one.output)["ended"] == [phone_sid]
    assert phone.get("/account").status_code == 302 and client.get("/account").status_code == 200
    assert _queued(app, reg["client_id"]) == 0  # that session had no hall

    unknown = cli(app, "accounts", "end-sessions", person["sub"], "--session", phone_sid)
    assert unknown.exit_code == 1 and "no such live session" in unknown.output

    assert _live_families(app, person["sub"]) == 1
    every = cli(app, "accounts", "end-sessions", person["sub"], "--json")
    assert every.exit_code == 0 and len(json.loads(every.output)["ended"]) == 1
    assert client.get("/account").status_code == 302
    assert _queued(app, reg["client_id"]) == 1
    assert _live_families(app, person["sub"]) == 0
    entries = audit_entries(app, person["sub"], "operator.account.sessions_ended")
    assert [(e.data["sessions"], e.data["all"]) for e in entries] == [(1, False), (1, True)]
    assert entries[0].data["hall"] == "越秀区政务服务中心"


def test_a_reset_ends_every_session_and_tells_the_halls(app, client, unique):
    reg, person = _hall_session(app, client, unique)
    issued = issue(app, person["id_number"])
    phone = other_client(app)
    assert enter_code(phone, person["username"], issued["code"]).status_code == 303
    assert set_password(phone).status_code == 200
    assert client.get("/account").status_code == 302  # the old browser is signed out
    assert _queued(app, reg["client_id"]) == 1
    assert _live_families(app, person["sub"]) == 0
    entry = audit_entries(app, person["sub"], "account.reset_completed")[-1]
    assert entry.data["sessions_ended"] == 1


def test_lock_and_unlock_through_the_shared_functions(app, client, unique):
    from tests.idp.accounts.factories import make_person

    person = make_person(app, unique)
    assert login(client, person["username"]).status_code == 302
    locked = cli(app, "users", "lock", person["id_number"], "--reason", "本人挂失")
    assert locked.exit_code == 0
    assert client.get("/account").status_code == 302
    assert login(other_client(app), person["username"]).status_code == 403
    assert cli(app, "users", "unlock", person["id_number"]).exit_code == 0
    assert login(other_client(app), person["username"]).status_code == 302
    lock_entry = audit_entries(app, person["sub"], "operator.account.lock")[-1]
    assert lock_entry.actor == "operator:王五" and lock_entry.data["reason"] == "本人挂失"
