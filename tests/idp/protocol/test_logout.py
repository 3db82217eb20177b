"""RP-Initiated Logout and the back-channel outbox (in-process)."""

from __future__ import annotations

import base64
import json
import time

from tests.idp.accounts.factories import csrf
from tests.idp.protocol.helpers import (
    LOGOUT_TO,
    basic,
    exchange,
    register,
    signed_in_code,
)


def _signed_in(app, client, unique, **kw):
    reg = register(app, unique, trusted=True, **kw)
    code, verifier, person = signed_in_code(app, client, unique, reg)
    body = exchange(client, reg, code, verifier).json
    return reg, body, person


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _still_signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_valid_hint_logs_out_and_redirects_with_state(app, client, unique):
    reg, body, _ = _signed_in(app, client, unique)
    response = client.get("/oauth/logout", query_string={
        "id_token_hint": body["id_token"], "post_logout_redirect_uri": LOGOUT_TO,
        "state": "s1", "client_id": reg["client_id"]})
    assert response.status_code == 302 and response.headers["Location"] == LOGOUT_TO + "?state=s1"
    assert not _still_signed_in(client)
    introspected = client.post("/oauth/introspect", data={"token": body["refresh_token"]},
                               headers=basic(reg["client_id"], reg["secret"])).json
    assert introspected == {"active": False}  # the session's refresh tokens end with it


def test_unregistered_post_logout_uri_shows_our_page(app, client, unique):
    _, body, _ = _signed_in(app, client, unique)
    response = client.get("/oauth/logout", query_string={
        "id_token_hint": body["id_token"], "post_logout_redirect_uri": LOGOUT_TO + "/other"})
    assert response.status_code == 200 and "Location" not in response.headers
    assert not _still_signed_in(client)


def test_tampered_and_alg_none_hints_are_refused(app, client, unique):
    _, body, _ = _signed_in(app, client, unique)
    header, payload, signature = body["id_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    tampered = ".".join([header, _b64({**claims, "sub": "someone-else"}), signature])
    unsigned = ".".join([_b64({"alg": "none", "typ": "JWT"}), payload, ""])
    for hint in (tampered, unsigned, "not-a-jwt"):
        response = client.get("/oauth/logout", query_string={
            "id_token_hint": hint, "post_logout_redirect_uri": LOGOUT_TO, "state": "x"})
        assert response.status_code == 400 and "Location" not in response.headers
        assert "invalid_request" in response.get_data(as_text=True)
        assert _still_signed_in(client)


def test_expired_hint_is_accepted(app, client, unique):
    from tests.idp.services import idp_services

    reg, body, person = _signed_in(app, client, unique)
    now = int(time.time())
    with app.test_request_context():
        old = idp_services(app).signer.sign("RS256", {
            "iss": "http://localhost", "sub": person["sub"], "aud": reg["client_id"],
            "iat": now - 7200, "exp": now - 3600})
    response = client.get("/oauth/logout", query_string={
        "id_token_hint": old, "post_logout_redirect_uri": LOGOUT_TO})
    assert response.status_code == 302 and response.headers["Location"] == LOGOUT_TO


def test_hint_for_another_client_id_is_refused(app, client, unique):
    other = register(app, unique + "o")
    _, body, _ = _signed_in(app, client, unique)
    response = client.get("/oauth/logout", query_string={
        "id_token_hint": body["id_token"], "client_id": other["client_id"]})
    assert response.status_code == 400 and _still_signed_in(client)


def test_without_hint_the_person_confirms(app, client, unique):
    reg, _, _ = _signed_in(app, client, unique)
    params = {"client_id": reg["client_id"], "post_logout_redirect_uri": LOGOUT_TO,
              "state": "s2"}
    page = client.get("/oauth/logout", query_string=params)
    assert page.status_code == 200 and _still_signed_in(client)
    forged = client.post("/oauth/logout", data={**params, "confirm": "1"})
    assert forged.status_code == 200 and _still_signed_in(client)  # no CSRF token
    done = client.post("/oauth/logout", data={**params, "confirm": "1",
                                              "csrf_token": csrf(page.get_data(as_text=True))})
    assert done.status_code == 302 and done.headers["Location"] == LOGOUT_TO + "?state=s2"
    assert not _still_signed_in(client)


def test_dead_hall_is_retried_with_backoff_and_never_double_claimed(app, client, unique):
    from sqlalchemy import select

    from idp import backchannel
    from idp.models.tokens import BackchannelDelivery
    from tests.conftest import free_port
    from tests.idp.services import backchannel_worker

    dead = f"http://127.0.0.1:{free_port()}/logout"
    reg, body, _ = _signed_in(app, client, unique, backchannel_logout_uri=dead)
    started = time.monotonic()
    response = client.get("/oauth/logout", query_string={"id_token_hint": body["id_token"]})
    assert response.status_code == 200 and time.monotonic() - started < 3
    worker = backchannel_worker(app)
    worker.stop()
    worker.join(timeout=10)
    with app.app_context():
        sessions = app.services.sessions
        with sessions() as session:
            row = session.scalar(select(BackchannelDelivery)
                                 .where(BackchannelDelivery.client_id == reg["client_id"]))
        with sessions.begin() as session:
            fresh = session.get(BackchannelDelivery, row.id)
            fresh.claimed_by, fresh.claimed_until = None, None
            fresh.next_attempt_at = fresh.created_at
        first = backchannel._claim(sessions, "w1")
        assert row.id in first and row.id not in backchannel._claim(sessions, "w2")
        backchannel._deliver(sessions, row.id)
        with sessions() as session:
            after = session.get(BackchannelDelivery, row.id)
        assert after.attempts >= 1 and after.delivered_at is None
        assert after.last_error and after.next_attempt_at > after.created_at
        assert after.claimed_by is None
