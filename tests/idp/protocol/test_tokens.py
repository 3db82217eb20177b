"""The token, userinfo, introspection and revocation endpoints (in-process)."""

from __future__ import annotations

import time

import jwt
import pytest

from tests.idp.protocol.helpers import (
    basic,
    exchange,
    pkce,
    register,
    signed_in_code,
)


def _introspect(client, reg, token, hint=None):
    data = {"token": token}
    if hint:
        data["token_type_hint"] = hint
    response = client.post("/oauth/introspect", data=data,
                           headers=basic(reg["client_id"], reg["secret"]))
    assert response.status_code == 200
    return response.json


def test_code_exchange_tokens_and_claims(app, client, unique):
    reg = register(app, unique, trusted=True, id_token_alg="ES256")
    code, verifier, person = signed_in_code(app, client, unique, reg,
                                            scope="openid profile email", nonce="n-123")
    response = exchange(client, reg, code, verifier)
    assert response.status_code == 200, response.json
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json
    assert body["token_type"] == "Bearer" and body["refresh_token"]
    header = jwt.get_unverified_header(body["access_token"])
    assert header["typ"] == "at+jwt" and header["alg"] == "ES256"
    access = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert access["aud"] == ["http://localhost/api"] and access["client_id"] == reg["client_id"]
    assert access["sub"] == person["sub"] and access["scope"] == "openid profile email"
    id_header = jwt.get_unverified_header(body["id_token"])
    assert id_header["alg"] == "ES256"
    claims = jwt.decode(body["id_token"], options={"verify_signature": False})
    assert claims["nonce"] == "n-123" and claims["aud"] == reg["client_id"]
    for name in ("iss", "sub", "exp", "iat", "auth_time", "acr", "amr", "sid", "at_hash"):
        assert name in claims, name
    info = client.get("/oauth/userinfo",
                      headers={"Authorization": "Bearer " + body["access_token"]})
    assert info.status_code == 200 and info.json["sub"] == person["sub"]
    assert info.json["name"] == "张三" and "cn_id_number" not in info.json
    posted = client.post("/oauth/userinfo", data={"access_token": body["access_token"]})
    assert posted.status_code == 200 and posted.json["sub"] == person["sub"]


def test_identity_claim_only_with_consent(app, client, unique):
    reg = register(app, unique)
    code, verifier, person = signed_in_code(app, client, unique, reg,
                                            scope="openid identity")
    body = exchange(client, reg, code, verifier).json
    info = client.get("/oauth/userinfo",
                      headers={"Authorization": "Bearer " + body["access_token"]})
    assert info.json["cn_id_number"] == person["id_number"]
    access = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert access["cn_id_number"] == person["id_number"]


def test_access_token_carries_no_identity_without_the_scope(app, client, unique):
    reg = register(app, unique, trusted=True)
    code, verifier, _ = signed_in_code(app, client, unique, reg, scope="openid profile")
    body = exchange(client, reg, code, verifier).json
    access = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert "cn_id_number" not in access and "cn_uscc" not in access


def test_wrong_verifier_and_missing_verifier(app, client, unique):
    reg = register(app, unique, trusted=True)
    code, verifier, _ = signed_in_code(app, client, unique, reg)
    wrong = exchange(client, reg, code, pkce()[0])
    assert wrong.status_code == 400 and wrong.json["error"] == "invalid_grant"
    code2, _, _ = signed_in_code(app, client, unique + "b", reg)
    missing = exchange(client, reg, code2, None)
    assert missing.status_code == 400 and missing.json["error"] == "invalid_grant"


def test_verifier_without_challenge_is_invalid_grant(app, client, unique):
    from datetime import timedelta

    from edge.timestamps import utcnow
    from idp.grants.families import token_hash
    from idp.models.tokens import AuthorizationCode
    from tests.idp.services import idp_services

    reg = register(app, unique, trusted=True)
    with app.app_context(), app.services.sessions.begin() as session:
        session.add(AuthorizationCode(
            code_hash=token_hash(idp_services(app).token_hash_key, "legacy-" + unique),
            client_id=reg["client_id"],
            redirect_uri="https://hall.example.cn/cb", scope="openid", sub="x", sid=None,
            auth_time=int(time.time()), expires_at=utcnow() + timedelta(seconds=60)))
    response = exchange(client, reg, "legacy-" + unique, pkce()[0])
    assert response.status_code == 400 and response.json["error"] == "invalid_grant"


def test_code_replay_revokes_what_it_produced(app, client, unique):
    reg = register(app, unique, trusted=True)
    code, verifier, _ = signed_in_code(app, client, unique, reg)
    first = exchange(client, reg, code, verifier).json
    assert _introspect(client, reg, first["access_token"])["active"] is True
    replay = exchange(client, reg, code, verifier)
    assert replay.status_code == 400 and replay.json["error"] == "invalid_grant"
    assert _introspect(client, reg, first["access_token"]) == {"active": False}
    assert _introspect(client, reg, first["refresh_token"]) == {"active": False}
    info = client.get("/oauth/userinfo",
                      headers={"Authorization": "Bearer " + first["access_token"]})
    assert info.status_code == 401 and "invalid_token" in info.headers["WWW-Authenticate"]


@pytest.fixture
def short_code_app(migrated, tmp_path):
    from admin.app import create_app
    from tests.conftest import test_settings

    application = create_app(test_settings(migrated, AUTH_CODE_TTL="0"), instance_path=tmp_path)
    yield application
    application.services.engine.dispose()


def test_expired_code_is_invalid_grant(short_code_app, unique):
    app = short_code_app
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.77.0.1"
    reg = register(app, unique, trusted=True)
    code, verifier, _ = signed_in_code(app, client, unique, reg)  # expires as issued
    response = exchange(client, reg, code, verifier)
    assert response.status_code == 400 and response.json["error"] == "invalid_grant"


def test_wrong_client_secret(app, client, unique):
    reg = register(app, unique, trusted=True)
    code, verifier, _ = signed_in_code(app, client, unique, reg)
    response = client.post("/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "code_verifier": verifier,
        "redirect_uri": "https://hall.example.cn/cb"}, headers=basic(reg["client_id"], "nope"))
    assert response.status_code == 401 and response.json["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic ")


def test_client_secret_post(app, client, unique):
    reg = register(app, unique, auth_method="client_secret_post",
                   grant_types=["client_credentials"], scopes=["licences:read"],
                   redirect_uris=[])
    ok = client.post("/oauth/token", data={"grant_type": "client_credentials",
                                           "client_id": reg["client_id"],
                                           "client_secret": reg["secret"]})
    assert ok.status_code == 200 and ok.json["scope"] == "licences:read"
    basic_refused = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                                headers=basic(reg["client_id"], reg["secret"]))
    assert basic_refused.json["error"] == "invalid_client"


def test_client_credentials_scopes(app, client, unique):
    reg = register(app, unique, grant_types=["client_credentials"], redirect_uris=[],
                   scopes=["licences:read", "licences:issue"])
    auth = basic(reg["client_id"], reg["secret"])
    ok = client.post("/oauth/token", data={"grant_type": "client_credentials",
                                           "scope": "licences:read"}, headers=auth)
    assert ok.status_code == 200 and "refresh_token" not in ok.json
    claims = jwt.decode(ok.json["access_token"], options={"verify_signature": False})
    assert claims["sub"] == reg["client_id"] and claims["scope"] == "licences:read"
    bad = client.post("/oauth/token", data={"grant_type": "client_credentials",
                                            "scope": "licences:read admin"}, headers=auth)
    assert bad.status_code == 400 and bad.json["error"] == "invalid_scope"
    code = client.post("/oauth/token", data={"grant_type": "authorization_code", "code": "x",
                                             "redirect_uri": "x"}, headers=auth)
    assert code.json["error"] == "unauthorized_client"


def test_refresh_rotation_reuse_and_grace(app, client, unique):
    from idp.models.tokens import RefreshToken

    reg = register(app, unique, trusted=True)
    code, verifier, _ = signed_in_code(app, client, unique, reg)
    first = exchange(client, reg, code, verifier).json
    auth = basic(reg["client_id"], reg["secret"])

    def refresh(token):
        return client.post("/oauth/token", data={"grant_type": "refresh_token",
                                                 "refresh_token": token}, headers=auth)

    second = refresh(first["refresh_token"])
    assert second.status_code == 200 and second.json["refresh_token"] != first["refresh_token"]
    assert "id_token" in second.json
    within_grace = refresh(first["refresh_token"])  # a retry: refused, family kept
    assert within_grace.status_code == 400 and within_grace.json["error"] == "invalid_grant"
    # Age the rotation beyond the grace window: reuse now revokes the whole family.
    with app.app_context(), app.services.sessions.begin() as session:
        from datetime import timedelta

        from idp.grants.families import token_hash
        from tests.idp.services import idp_services
        row = session.query(RefreshToken).filter_by(
            token_hash=token_hash(idp_services(app).token_hash_key,
                                  first["refresh_token"])).one()
        row.rotated_at = row.rotated_at - timedelta(seconds=60)
    reuse = refresh(first["refresh_token"])
    assert reuse.status_code == 400 and reuse.json["error"] == "invalid_grant"
    assert refresh(second.json["refresh_token"]).json["error"] == "invalid_grant"
    assert _introspect(client, reg, second.json["access_token"]) == {"active": False}


def test_revocation(app, client, unique):
    reg = register(app, unique, trusted=True)
    code, verifier, _ = signed_in_code(app, client, unique, reg)
    body = exchange(client, reg, code, verifier).json
    auth = basic(reg["client_id"], reg["secret"])
    unknown = client.post("/oauth/revoke", data={"token": "nonsense"}, headers=auth)
    assert unknown.status_code == 200
    revoked = client.post("/oauth/revoke", data={"token": body["access_token"],
                                                 "token_type_hint": "access_token"},
                          headers=auth)
    assert revoked.status_code == 200
    assert _introspect(client, reg, body["access_token"]) == {"active": False}
    assert _introspect(client, reg, body["refresh_token"], "refresh_token")["active"] is True
    client.post("/oauth/revoke", data={"token": body["refresh_token"]}, headers=auth)
    assert _introspect(client, reg, body["refresh_token"]) == {"active": False}


def test_introspection_requires_client_auth(app, client, unique):
    response = client.post("/oauth/introspect", data={"token": "x"})
    assert response.status_code == 401 and response.json["error"] == "invalid_client"


def test_private_key_jwt(app, client, unique):
    import uuid

    from cryptography.hazmat.primitives.asymmetric import ec
    from joserfc.jwk import ECKey

    key = ec.generate_private_key(ec.SECP256R1())
    public = ECKey.import_key(key.public_key()).as_dict(private=False)
    public["kid"] = "k1"
    reg = register(app, unique, auth_method="private_key_jwt", grant_types=["client_credentials"],
                   redirect_uris=[], scopes=["licences:read"], jwks={"keys": [public]})

    def assertion(jti):
        now = int(time.time())
        return jwt.encode({"iss": reg["client_id"], "sub": reg["client_id"], "jti": jti,
                           "aud": "http://localhost/oauth/token", "iat": now, "exp": now + 60},
                          key, algorithm="ES256", headers={"kid": "k1"})

    jti = uuid.uuid4().hex
    data = {"grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion(jti)}
    ok = client.post("/oauth/token", data=data)
    assert ok.status_code == 200, ok.json
    replay = client.post("/oauth/token", data=data)
    assert replay.json["error"] == "invalid_client"


def test_discovery(client):
    meta = client.get("/.well-known/openid-configuration").json
    assert meta["issuer"] == "http://localhost"
    assert meta["response_types_supported"] == ["code"]
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["authorization_response_iss_parameter_supported"] is True
    assert set(meta["id_token_signing_alg_values_supported"]) == {"RS256", "ES256", "EdDSA"}
    assert meta["backchannel_logout_session_supported"] is True
    assert "password" not in meta["grant_types_supported"]
