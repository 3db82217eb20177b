"""One request, one unit of work: the token endpoint's grants and introspection run in
at most one database transaction each (admin.edge commits it once), counted on the
app's engine. The token budget is counted in Redis here, as in production; with the
database store it takes a short transaction of its own on purpose (idp.token_endpoint).
"""

from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tests.conftest import redis_or_unavailable
from tests.conftest import test_settings as settings_for
from tests.idp.protocol.helpers import basic, exchange, register, signed_in_code

REDIS_URL = os.environ.get("ONEGATE_TEST_REDIS", "redis://127.0.0.1:6379/3")


@pytest.fixture
def redis_app(migrated, tmp_path):
    from admin.app import create_app

    redis_or_unavailable(REDIS_URL).close()
    application = create_app(settings_for(migrated, REDIS_URL=REDIS_URL),
                             instance_path=tmp_path)
    yield application
    application.services.engine.dispose()


@contextmanager
def transactions(app):
    """Count the transactions begun and committed on the app's engine inside the block.

    Reads of the key ring's own store (keys.sql_store: its signer and public-key
    lookups, with their own caching policy) are not the request's work and are left
    out; every other transaction counts."""
    counts = {"begin": 0, "commit": 0}
    current: dict[int, list[str]] = {}

    def began(conn):
        current[id(conn)] = []

    def executed(conn, _cursor, statement, *_args):
        current.setdefault(id(conn), []).append(" ".join(statement.split()).lower())

    def ended(conn, committed):
        statements = current.pop(id(conn), [])
        keys_only = statements and all(s.startswith("select") and " from signing_keys" in s
                                       for s in statements)
        if not keys_only:
            counts["begin"] += 1
            counts["commit"] += committed

    engine = app.services.engine
    listeners = [("begin", began), ("before_cursor_execute", executed),
                 ("commit", lambda conn: ended(conn, 1)),
                 ("rollback", lambda conn: ended(conn, 0))]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield counts
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)


def _grant_client(app, unique):
    return register(app, unique + "cc", grant_types=["client_credentials"], scopes=["openid"])


def _client_credentials(client, reg):
    return client.post("/oauth/token", data={"grant_type": "client_credentials"},
                       headers=basic(reg["client_id"], reg["secret"]))


def test_each_token_request_and_introspection_is_one_transaction(redis_app, unique):
    app = redis_app
    client = app.test_client()
    system = _grant_client(app, unique)
    hall = register(app, unique, scopes=["openid", "profile"])
    # Warm the per-app caches (signers, published kids) that a later request skips.
    assert _client_credentials(client, system).status_code == 200
    code, verifier, _ = signed_in_code(app, client, unique, hall, scope="openid profile")
    seen = {}

    with transactions(app) as counts:
        granted = _client_credentials(client, system)
    assert granted.status_code == 200, granted.json
    seen["client_credentials"] = dict(counts)

    with transactions(app) as counts:
        tokens = exchange(client, hall, code, verifier)
    assert tokens.status_code == 200, tokens.json
    seen["authorization_code"] = dict(counts)

    with transactions(app) as counts:
        refreshed = client.post("/oauth/token", headers=basic(hall["client_id"], hall["secret"]),
                                data={"grant_type": "refresh_token",
                                      "refresh_token": tokens.json["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.json
    seen["refresh_token"] = dict(counts)

    with transactions(app) as counts:
        introspected = client.post("/oauth/introspect",
                                   data={"token": refreshed.json["access_token"]},
                                   headers=basic(hall["client_id"], hall["secret"]))
    assert introspected.status_code == 200 and introspected.json["active"] is True
    seen["introspection"] = dict(counts)

    for name, counted in seen.items():
        assert counted["begin"] <= 1 and counted["commit"] <= 1, (name, seen)
    # Work was done and landed: the grants that write committed exactly once.
    assert seen["authorization_code"]["commit"] == 1 and seen["refresh_token"]["commit"] == 1


def test_refresh_reuse_revocation_survives_the_refused_grant(redis_app, unique):
    """Authlib answers invalid_grant as a response, so the edge commits the family's
    revocation made while refusing (RFC 9700 section 4.14.2)."""
    from datetime import timedelta

    from idp.models.tokens import RefreshToken, TokenFamily

    app = redis_app
    client = app.test_client()
    hall = register(app, unique, scopes=["openid"])
    code, verifier, _ = signed_in_code(app, client, unique, hall, scope="openid")
    first = exchange(client, hall, code, verifier).json

    def refresh(value):
        return client.post("/oauth/token", headers=basic(hall["client_id"], hall["secret"]),
                           data={"grant_type": "refresh_token", "refresh_token": value})

    assert refresh(first["refresh_token"]).status_code == 200
    with app.services.sessions.begin() as session:
        for row in session.query(RefreshToken).filter(RefreshToken.rotated_at.isnot(None)):
            row.rotated_at = row.rotated_at - timedelta(seconds=3600)
    reused = refresh(first["refresh_token"])
    assert reused.status_code == 400 and reused.json["error"] == "invalid_grant"
    with app.services.sessions() as session:
        family = session.query(TokenFamily).filter_by(client_id=hall["client_id"]).one()
    assert family.revoked_at is not None and family.revoked_reason == "refresh_reuse"
