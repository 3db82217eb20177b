"""The latest checkpoint is published (endpoint and CLI) and verifies with the published
audit key using an independent JOSE library (jwcrypto), so others can hold a copy."""

from __future__ import annotations

import json

from click.testing import CliRunner
from jwcrypto import jwk, jws
from sqlalchemy import select

from admin.cli import cli
from audit import log
from audit.models import AuditEntry


def _invoke(app, *args):
    with app.app_context():
        return CliRunner().invoke(cli, list(args))


def test_published_checkpoint_verifies_with_the_published_key(app, client):
    with app.services.sessions.begin() as session:
        log.append(session, actor="test", action="test.published", subject="checkpoint")
    made = _invoke(app, "audit", "checkpoint")
    assert made.exit_code == 0, made.output
    response = client.get("/audit/checkpoint")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    keys = client.get("/audit/jwks")
    assert keys.status_code == 200 and keys.mimetype == "application/jwk-set+json"
    assert body["jwks_uri"] == "http://localhost/audit/jwks"

    token = jws.JWS()
    token.deserialize(body["checkpoint"])
    key_set = jwk.JWKSet.from_json(keys.get_data(as_text=True))
    header = token.jose_header
    assert header["alg"] == "ES256" and header["typ"] == "audit-checkpoint+jwt"
    token.verify(key_set.get_key(header["kid"]), alg="ES256")
    claims = json.loads(token.payload)
    assert claims["iss"] == "http://localhost"
    assert (claims["seq"], claims["hash"]) == (body["seq"], body["hash"])
    with app.services.sessions() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.seq == claims["seq"]))
    assert entry is not None and entry.hash == claims["hash"]
    # A key of its own: no token signing key can pass for the audit trail's, nor back.
    provider_kids = {k["kid"] for k in client.get("/jwks").get_json()["keys"]}
    assert header["kid"] not in provider_kids

    shown = _invoke(app, "audit", "checkpoint", "--show")
    assert shown.exit_code == 0 and json.loads(shown.output)["seq"] >= body["seq"]


def test_checkpoint_endpoints_are_described(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["paths"]["/audit/checkpoint"]["get"]["responses"]["200"]
    assert "/audit/jwks" in doc["paths"]
    assert "AuditCheckpoint" in doc["components"]["schemas"]
    problem = client.get("/api/v1/problems/no-checkpoint")
    assert problem.status_code == 200
