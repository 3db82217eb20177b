"""Refresh-token rotation never forks a family (RFC 9700 section 4.14.2).

A just-rotated token presented again inside ``ONEGATE_REFRESH_REUSE_GRACE`` is
refused without harm to the family; after the window it revokes the family:
every refresh token and every access token issued from it. Concurrent
presentations of one token, against a live server with two workers, give
exactly one successor. Tokens are stored as keyed hashes (HMAC-SHA256 under a
key derived from the key-encryption key), never as themselves nor their plain
SHA-256.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from tests.conftest import start_server
from tests.idp.protocol.helpers import basic, exchange, register, signed_in_code
from tests.idp.services import idp_services


def _tokens(app, client, unique):
    reg = register(app, unique, trusted=True)
    code, verifier, _ = signed_in_code(app, client, unique, reg)
    body = exchange(client, reg, code, verifier).json
    assert "refresh_token" in body, body
    return reg, body


def _refresh(client, reg, token):
    return client.post("/oauth/token", data={"grant_type": "refresh_token",
                                             "refresh_token": token},
                       headers=basic(reg["client_id"], reg["secret"]))


def _introspect(client, reg, token) -> dict:
    response = client.post("/oauth/introspect", data={"token": token},
                           headers=basic(reg["client_id"], reg["secret"]))
    assert response.status_code == 200
    return response.json


def _family_id(app, refresh_token: str) -> str:
    from idp.grants.families import token_hash
    from idp.models.tokens import RefreshToken

    key = idp_services(app).token_hash_key
    with app.app_context(), app.services.sessions() as session:
        return session.scalar(select(RefreshToken.family_id)
                              .where(RefreshToken.token_hash == token_hash(key, refresh_token)))


def live_tokens(app, family_id: str) -> int:
    """Refresh tokens of the family that a client could still spend."""
    from idp.models.tokens import RefreshToken, TokenFamily

    with app.services.sessions() as session:
        return session.scalar(
            select(func.count()).select_from(RefreshToken)
            .join(TokenFamily, TokenFamily.family_id == RefreshToken.family_id)
            .where(RefreshToken.family_id == family_id, RefreshToken.rotated_at.is_(None),
                   TokenFamily.revoked_at.is_(None)))


def _age_rotation(app, family_id: str, seconds: int) -> None:
    from idp.models.tokens import RefreshToken

    with app.services.sessions.begin() as session:
        for row in session.scalars(select(RefreshToken)
                                   .where(RefreshToken.family_id == family_id,
                                          RefreshToken.rotated_at.is_not(None))):
            row.rotated_at = row.rotated_at - timedelta(seconds=seconds)


#: A grace window no slow test machine outlasts: "inside the window" is not timed.
LONG_GRACE = 3600


def test_reuse_inside_grace_is_refused_and_never_forks(app, client, unique):
    app.config["ONEGATE"]["REFRESH_REUSE_GRACE"] = LONG_GRACE
    reg, first = _tokens(app, client, unique)
    family = _family_id(app, first["refresh_token"])
    second = _refresh(client, reg, first["refresh_token"])
    assert second.status_code == 200
    for _ in range(3):  # a retried or concurrent request, inside the grace window
        again = _refresh(client, reg, first["refresh_token"])
        assert (again.status_code, again.json["error"]) == (400, "invalid_grant")
    assert live_tokens(app, family) == 1
    # Refused, not punished: the successor still works and the family lives on.
    third = _refresh(client, reg, second.json["refresh_token"])
    assert third.status_code == 200
    assert _introspect(client, reg, third.json["access_token"])["active"] is True
    assert live_tokens(app, family) == 1


def test_reuse_after_grace_revokes_the_whole_family(app, client, unique):
    reg, first = _tokens(app, client, unique)
    family = _family_id(app, first["refresh_token"])
    second = _refresh(client, reg, first["refresh_token"]).json
    third = _refresh(client, reg, second["refresh_token"]).json
    _age_rotation(app, family, 3600)
    reuse = _refresh(client, reg, first["refresh_token"])
    assert (reuse.status_code, reuse.json["error"]) == (400, "invalid_grant")
    assert live_tokens(app, family) == 0
    assert _refresh(client, reg, third["refresh_token"]).json["error"] == "invalid_grant"
    for body in (first, second, third):  # every access token the family produced
        assert _introspect(client, reg, body["access_token"]) == {"active": False}
        userinfo = client.get("/oauth/userinfo",
                              headers={"Authorization": "Bearer " + body["access_token"]})
        assert userinfo.status_code == 401
    assert _introspect(client, reg, third["refresh_token"]) == {"active": False}


def test_refresh_tokens_are_stored_as_keyed_hashes(app, client, unique):
    from idp.models.tokens import AuthorizationCode, RefreshToken

    reg = register(app, unique, trusted=True)
    code, verifier, _ = signed_in_code(app, client, unique, reg)
    body = exchange(client, reg, code, verifier).json
    token = body["refresh_token"]
    family = _family_id(app, token)
    assert family is not None
    with app.services.sessions() as session:
        rows = [tuple(str(v) for v in r) for r in session.execute(
            select(RefreshToken.__table__).where(RefreshToken.family_id == family))]
        codes = [tuple(str(v) for v in r) for r in session.execute(
            select(AuthorizationCode.__table__).where(AuthorizationCode.family_id == family))]
    assert rows and codes
    for secret in (token, code):
        plain = hashlib.sha256(secret.encode()).hexdigest()
        for row in rows + codes:
            for value in row:
                assert secret not in value and plain not in value.lower()
    # The key comes from the key-encryption key, not from the cookie secret.
    from idp.grants import families
    from idp.services import IdpSettings

    settings = IdpSettings.from_mapping(app.config["ONEGATE"])
    keyed = families.token_hash(families.hash_key(settings.kek), token)
    assert families.token_hash(families.hash_key(b"z" * 32), token) != keyed
    other_secret = IdpSettings.from_mapping({**app.config["ONEGATE"],
                                            "SECRET_KEY": "another-" + "s" * 40})
    assert families.token_hash(families.hash_key(other_secret.kek), token) == keyed
    assert idp_services(app).token_hash_key == families.hash_key(settings.kek)


# --- concurrency against a live server ---------------------------------------------

CONCURRENT = 8


@pytest.fixture
def long_grace_server(migrated, tmp_path):
    server = start_server(migrated, tmp_path, REFRESH_REUSE_GRACE=LONG_GRACE)
    yield server
    server.stop()


@pytest.mark.live
def test_concurrent_presentations_create_exactly_one_successor(app, client, unique,
                                                               long_grace_server):
    live_server = long_grace_server
    reg, first = _tokens(app, client, unique)
    family = _family_id(app, first["refresh_token"])
    barrier = threading.Barrier(CONCURRENT)
    results: list[requests.Response] = []
    lock = threading.Lock()

    def present():
        with requests.Session() as http:
            barrier.wait()
            response = http.post(live_server.url + "/oauth/token", timeout=30,
                                 data={"grant_type": "refresh_token",
                                       "refresh_token": first["refresh_token"]},
                                 auth=(reg["client_id"], reg["secret"]))
        with lock:
            results.append(response)

    threads = [threading.Thread(target=present) for _ in range(CONCURRENT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200] + [400] * (CONCURRENT - 1), [r.text[:200] for r in results]
    assert {r.json()["error"] for r in results if r.status_code == 400} == {"invalid_grant"}
    assert live_tokens(app, family) == 1
    winner = next(r for r in results if r.status_code == 200).json()
    assert _refresh(client, reg, winner["refresh_token"]).status_code == 200
    assert live_tokens(app, family) == 1


def test_migration_retires_plain_sha256_hashes(tmp_path):
    """idp_0005: a token stored as its plain SHA-256 before the upgrade matches
    nothing after it (it cannot be rehashed), while its row, and so the access
    token it records for family revocation, stays."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from admin import db

    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    config = db.alembic_config(engine)
    command.upgrade(config, "idp_0004")
    old = hashlib.sha256(b"an-old-refresh-token").hexdigest()
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO oauth_refresh_tokens (id, token_hash, family_id, access_jti, "
            "created_at) VALUES (7, :h, 'fam', 'jti-7', '2026-01-01 00:00:00')"), {"h": old})
    command.upgrade(config, "idp_0005")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, token_hash, access_jti "
                                 "FROM oauth_refresh_tokens")).all()
    assert [tuple(r) for r in rows] == [(7, "retired:7", "jti-7")]
    engine.dispose()


def test_family_revoked_mid_refresh_denies_the_new_access_token(app, client, unique,
                                                                 monkeypatch):
    """Reuse detected (or logout) while a refresh of the same family is between
    spending its token and storing the successor: what that refresh hands out
    is dead too, not a live access token the revocation never saw."""
    from idp.grants import families, refresh_token

    reg, first = _tokens(app, client, unique)
    family = _family_id(app, first["refresh_token"])
    spend = refresh_token.rotate

    def spend_then_revoked_elsewhere(services, value, client_id):
        credential = spend(services, value, client_id)
        # SQLite has one writer, so the revocation lands in the request's transaction,
        # as one that committed between the spend and save_token's read would be seen.
        families.revoke_family(services.session(), services.denylist, family,
                               "refresh_reuse")
        return credential

    monkeypatch.setattr(refresh_token, "rotate", spend_then_revoked_elsewhere)
    raced = _refresh(client, reg, first["refresh_token"])
    monkeypatch.undo()
    assert raced.status_code == 200
    assert _introspect(client, reg, raced.json["access_token"]) == {"active": False}
    assert _refresh(client, reg, raced.json["refresh_token"]).json["error"] == "invalid_grant"
    assert live_tokens(app, family) == 0
