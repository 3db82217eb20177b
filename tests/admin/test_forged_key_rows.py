"""A database writer without the KEK inserts their own public key into
``signing_keys`` (kid = its RFC 7638 thumbprint, a junk sealed blob, published): the
server must neither publish it nor accept anything signed with it - access tokens,
ID token hints, licences, bundles - while our own rotated keys keep working
(keys.provenance)."""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import delete, insert, update

import keys
from keys.algorithms import generate_private_key
from keys.jwk import public_jwk, thumbprint
from keys.models import SigningKeyRow
from tests.credentials.helpers import dept_headers, make_department
from tests.idp.protocol.helpers import REDIRECT, auth_params, pkce, query, register

ISSUER = "http://localhost"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Forger:
    """Inserts rows the way an attacker with only the database would, and removes
    them afterwards (the test database is shared with other tests)."""

    def __init__(self, app):
        self.sessions = app.services.sessions
        self.kids: list[str] = []

    def insert(self, owner: str, state: str, alg: str = "ES256"):
        private = generate_private_key(alg)
        jwk = public_jwk(private.public_key())
        kid = thumbprint(jwk)
        # Older than every real key: even today's code keeps signing with ours, so
        # only the trust in the forged row is under test.
        when = datetime(2020, 1, 1, tzinfo=UTC)
        with self.sessions.begin() as session:
            session.execute(insert(SigningKeyRow).values(
                kid=kid, owner=owner, alg=alg, state=state, public_jwk=jwk,
                encrypted_private=b"OGK1" + b"\0" * 120, created_at=when,
                activates_at=when, retired_at=when if state == "retired" else None,
                revoked_at=None, published=True))
        self.kids.append(kid)
        return kid, private

    def remove(self) -> None:
        with self.sessions.begin() as session:
            session.execute(delete(SigningKeyRow).where(SigningKeyRow.kid.in_(self.kids)))


@pytest.fixture
def forger(app):
    made = Forger(app)
    yield made
    made.remove()


def _access_token(private, kid: str, client_id: str) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": [ISSUER + "/api"], "sub": "s-" + uuid.uuid4().hex[:8],
              "client_id": client_id, "jti": uuid.uuid4().hex, "iat": now,
              "exp": now + 300, "scope": "openid profile wallet identity"}
    return jwt.encode(claims, private, algorithm="ES256",
                      headers={"typ": "at+jwt", "kid": kid})


def _basic(reg: dict) -> dict:
    raw = f"{reg['client_id']}:{reg['secret']}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


@pytest.mark.parametrize("state", ["retired", "active"])
def test_forged_provider_key_is_not_published_nor_trusted(app, forger, unique, state):
    kid, private = forger.insert(keys.PROVIDER, state)
    client = app.test_client()
    reg = register(app, unique, trusted=True)
    token = _access_token(private, kid, reg["client_id"])
    bearer = {"Authorization": "Bearer " + token}
    statuses = {path: client.get(path, headers=bearer)
                for path in ("/oauth/userinfo", "/api/v1/holder/licenses",
                             "/api/v1/wallet/licenses")}
    introspected = client.post("/oauth/introspect", data={"token": token}, headers=_basic(reg))
    assert {p: (r.status_code, 'error="invalid_token"' in r.headers.get("WWW-Authenticate", ""))
            for p, r in statuses.items()} == {p: (401, True) for p in statuses}
    assert (introspected.status_code, introspected.get_json()) == (200, {"active": False})
    assert kid not in {k["kid"] for k in client.get("/jwks").get_json()["keys"]}


def test_forged_provider_key_does_not_vouch_for_an_id_token_hint(app, forger, unique):
    kid, private = forger.insert(keys.PROVIDER, "retired")
    reg = register(app, unique, trusted=True)
    now = int(time.time())
    hint = jwt.encode({"iss": ISSUER, "sub": "someone", "aud": reg["client_id"],
                       "iat": now, "exp": now + 600}, private, algorithm="ES256",
                      headers={"kid": kid, "typ": "JWT"})
    _, challenge = pkce()
    params = auth_params(reg["client_id"], challenge, id_token_hint=hint)
    response = app.test_client().get("/oauth/authorize", query_string=params)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(REDIRECT + "?")
    assert query(response.headers["Location"])["error"] == "invalid_request"


def _resigned(sd_jwt: str, private, kid: str) -> str:
    """The issued licence, its issuer signature replaced by the forged key's."""
    jws, rest = sd_jwt.split("~", 1)
    header_b64, payload_b64, _ = jws.split(".")
    header = json.loads(base64.urlsafe_b64decode(header_b64 + "=" * (-len(header_b64) % 4)))
    header["kid"] = kid
    signing_input = f"{_b64(json.dumps(header).encode())}.{payload_b64}".encode()
    signature = jwt.get_algorithm_by_name("ES256").sign(signing_input, private)
    return f"{signing_input.decode()}.{_b64(signature)}~{rest}"


def _unverified_claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def test_forged_department_key_signs_no_valid_licence(app, forger, unique):
    dept = make_department(app, unique)
    client = app.test_client()
    issued = client.post("/api/v1/licenses", json=dept.body(), headers=dept_headers(app, dept))
    assert issued.status_code == 201, issued.get_json()
    kid, private = forger.insert(keys.department(dept.code), "retired")
    forged = _resigned(issued.get_json()["sd_jwt"], private, kid)

    genuine = client.post("/api/v1/verify", json={"credential": issued.get_json()["sd_jwt"]})
    assert genuine.get_json()["status"] == "valid"
    result = client.post("/api/v1/verify", json={"credential": forged}).get_json()
    assert result["status"] in ("untrusted", "invalid"), result
    assert result["status"] != "valid"

    for path in (f"/issuers/{dept.code}/jwks", f"/.well-known/jwt-vc-issuer/issuers/{dept.code}"):
        assert kid not in client.get(path).get_data(as_text=True), path
    bundle = client.get("/api/v1/offline-bundle?format=json").get_json()
    assert kid not in json.dumps(_unverified_claims(bundle["bundle"]))


def test_forged_audit_key_is_not_published(app, forger):
    kid, _ = forger.insert(keys.AUDIT, "retired")
    assert kid not in app.test_client().get("/audit/jwks").get_data(as_text=True)


def test_rotated_department_key_still_works(app, migrated, tmp_path, unique):
    """Keys our ring made prove their origin to a cold process: licences signed before
    and after a rotation stay valid there."""
    from admin.app import create_app
    from tests.conftest import test_settings

    dept = make_department(app, unique)
    client = app.test_client()
    before = client.post("/api/v1/licenses", json=dept.body(), headers=dept_headers(app, dept))
    new = app.services.keyring.rotate(keys.department(dept.code), "ES256",
                                                   timedelta(0))
    after = client.post("/api/v1/licenses", json=dept.body(), headers=dept_headers(app, dept))
    assert (before.status_code, after.status_code) == (201, 201)
    assert jwt.get_unverified_header(after.get_json()["sd_jwt"].split("~")[0])["kid"] == new.kid

    cold = create_app(test_settings(migrated), instance_path=tmp_path / "cold")
    try:
        fresh = cold.test_client()
        published = {k["kid"] for k in fresh.get(f"/issuers/{dept.code}/jwks").get_json()["keys"]}
        assert new.kid in published and len(published) == 2
        for licence in (before, after):
            result = fresh.post("/api/v1/verify", json={"credential": licence.get_json()["sd_jwt"]})
            assert result.get_json()["status"] == "valid", result.get_json()
        assert fresh.get("/jwks").get_json()["keys"]
    finally:
        cold.services.engine.dispose()


def test_revoked_department_key_flipped_back_in_sql_stays_refused(app, migrated, tmp_path,
                                                                   unique):
    """Revoking destroys the sealed key and the row MAC covers the state: setting the
    row back to active by hand publishes nothing and validates nothing."""
    from admin.app import create_app
    from tests.conftest import test_settings

    dept = make_department(app, unique)
    client = app.test_client()
    issued = client.post("/api/v1/licenses", json=dept.body(), headers=dept_headers(app, dept))
    assert issued.status_code == 201
    sd_jwt = issued.get_json()["sd_jwt"]
    ring = app.services.keyring
    old_kid = jwt.get_unverified_header(sd_jwt.split("~")[0])["kid"]
    ring.rotate(keys.department(dept.code), "ES256", timedelta(0))
    ring.revoke(old_kid)
    with app.services.sessions.begin() as session:
        session.execute(update(SigningKeyRow).where(SigningKeyRow.kid == old_kid).values(
            state="active", revoked_at=None, published=True))

    cold = create_app(test_settings(migrated), instance_path=tmp_path / "cold")
    try:
        fresh = cold.test_client()
        assert old_kid not in fresh.get(f"/issuers/{dept.code}/jwks").get_data(as_text=True)
        result = fresh.post("/api/v1/verify", json={"credential": sd_jwt}).get_json()
        assert result["status"] in ("untrusted", "invalid"), result
    finally:
        cold.services.engine.dispose()


def test_forged_audit_key_does_not_vouch_for_a_checkpoint(app, forger):
    from admin.audit_trail import RingCheckpointSigner
    from audit import checkpoint as cp

    kid, private = forger.insert(keys.AUDIT, "retired")
    token = jwt.encode({"iss": ISSUER, "seq": 1, "head": "00" * 32}, private,
                       algorithm="ES256", headers={"kid": kid, "typ": cp.TYP})
    with pytest.raises(cp.CheckpointInvalid):
        RingCheckpointSigner(app.services.keyring).verify(token)
