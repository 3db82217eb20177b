"""The discovery document (OpenID Connect Discovery 1.0 section 3, RFC 8414 section 2)
has every REQUIRED field, and what it advertises is what the provider does."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest

from tests.idp.protocol.helpers import (
    auth_params,
    exchange,
    pkce,
    query,
    register,
    signed_in_code,
)

#: Discovery 1.0 section 3: REQUIRED (token_endpoint: unless only implicit is used).
REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri",
            "response_types_supported", "subject_types_supported",
            "id_token_signing_alg_values_supported")
ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@pytest.fixture
def meta(client) -> dict:
    response = client.get("/.well-known/openid-configuration")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.json


def _path(url: str) -> str:
    assert url.startswith("http://localhost/"), url
    return url[len("http://localhost"):]


def test_required_and_recommended_fields(meta):
    for name in REQUIRED:
        assert meta.get(name), name
    assert meta["issuer"] == "http://localhost"
    assert meta["subject_types_supported"] == ["public"]
    assert "RS256" in meta["id_token_signing_alg_values_supported"]  # section 3: MUST
    for name in ("userinfo_endpoint", "scopes_supported", "claims_supported",
                 "end_session_endpoint", "revocation_endpoint", "introspection_endpoint"):
        assert meta.get(name), name
    assert "openid" in meta["scopes_supported"]  # section 3: MUST support openid
    # RFC 8414 section 2: alg lists MUST be present where private_key_jwt is offered.
    for endpoint in ("token", "revocation", "introspection"):
        if "private_key_jwt" in meta[f"{endpoint}_endpoint_auth_methods_supported"]:
            algs = meta[f"{endpoint}_endpoint_auth_signing_alg_values_supported"]
            assert algs and "none" not in algs


def test_every_advertised_endpoint_answers(client, meta):
    assert client.get(_path(meta["jwks_uri"])).json["keys"]
    assert client.get(_path(meta["authorization_endpoint"])).status_code == 400
    assert client.post(_path(meta["token_endpoint"])).status_code in (400, 401)
    for name in ("userinfo_endpoint",):
        assert client.get(_path(meta[name])).status_code == 401
        assert client.post(_path(meta[name])).status_code == 401
    for name in ("revocation_endpoint", "introspection_endpoint"):
        assert client.post(_path(meta[name]), data={"token": "x"}).status_code == 401
    assert client.get(_path(meta["end_session_endpoint"])).status_code == 200


def test_advertised_id_token_algorithms_are_used_and_published(app, client, unique, meta):
    keys = {k["kid"]: k for k in client.get("/jwks").json["keys"]}
    for alg in meta["id_token_signing_alg_values_supported"]:
        reg = register(app, unique + alg, id_token_alg=alg, trusted=True)
        code, verifier, _ = signed_in_code(app, client.application.test_client(),
                                           unique + alg, reg)
        token = exchange(client, reg, code, verifier).json["id_token"]
        header = jwt.get_unverified_header(token)
        assert header["alg"] == alg and keys[header["kid"]]["alg"] == alg


def test_advertised_claims_cover_what_tokens_and_userinfo_release(app, client, unique, meta):
    reg = register(app, unique)
    code, verifier, _ = signed_in_code(app, client, unique, reg,
                                       scope="openid profile email phone identity")
    tokens = exchange(client, reg, code, verifier).json
    id_claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    info = client.get("/oauth/userinfo",
                      headers={"Authorization": "Bearer " + tokens["access_token"]}).json
    released = set(id_claims) | set(info)
    protocol = {"iss", "aud", "exp", "iat"}
    assert released - protocol <= set(meta["claims_supported"]), released
    assert id_claims["acr"] in meta["acr_values_supported"]
    assert set(tokens["scope"].split()) <= set(meta["scopes_supported"])


def test_only_the_query_response_mode(app, client, unique, meta):
    assert meta["response_modes_supported"] == ["query"]
    reg = register(app, unique)
    _, challenge = pkce()
    for mode in ("fragment", "form_post"):
        params = auth_params(reg["client_id"], challenge, response_mode=mode)
        response = client.get("/oauth/authorize", query_string=params)
        assert response.status_code == 302
        values = query(response.headers["Location"])
        assert values["error"] == "invalid_request" and values["state"] == params["state"]
    code, _, _ = signed_in_code(app, client, unique, reg, response_mode="query")
    assert code


def test_grant_types_and_response_types(app, client, unique, meta):
    assert meta["response_types_supported"] == ["code"]
    reg = register(app, unique)
    refused = client.post("/oauth/token", data={"grant_type": "password", "username": "a",
                                                "password": "b"},
                          headers=_basic(reg))
    assert refused.json["error"] == "unsupported_grant_type"
    assert "password" not in meta["grant_types_supported"]
    assert "implicit" not in meta["grant_types_supported"]


def _basic(reg):
    from tests.idp.protocol.helpers import basic

    return basic(reg["client_id"], reg["secret"])


def _key(alg: str):
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    return {"RS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
            "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
            "EdDSA": ed25519.Ed25519PrivateKey.generate}[alg]()


def _jwk(private, alg: str) -> dict:
    from joserfc.jwk import ECKey, OKPKey, RSAKey

    kind = {"RS256": RSAKey, "ES256": ECKey, "EdDSA": OKPKey}[alg]
    public = kind.import_key(private.public_key()).as_dict(private=False)
    public["kid"] = "k1"
    return public


def _assertion(client_id: str, private, alg: str, audience: str) -> str:
    now = int(time.time())
    return jwt.encode({"iss": client_id, "sub": client_id, "jti": uuid.uuid4().hex,
                       "aud": audience, "iat": now, "exp": now + 60},
                      private, algorithm=alg, headers={"kid": "k1"})


@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")
def test_private_key_jwt_with_every_advertised_algorithm(app, client, unique, meta):
    for alg in meta["token_endpoint_auth_signing_alg_values_supported"]:
        private = _key(alg)
        reg = register(app, unique + alg, auth_method="private_key_jwt",
                       grant_types=["client_credentials"], redirect_uris=[],
                       scopes=["licences:read"], jwks={"keys": [_jwk(private, alg)]})
        for endpoint in ("token_endpoint", "introspection_endpoint"):
            data = {"client_assertion_type": ASSERTION, "client_assertion": _assertion(
                reg["client_id"], private, alg, meta[endpoint])}
            if endpoint == "token_endpoint":
                data["grant_type"] = "client_credentials"
            else:
                data["token"] = "unknown"
            response = client.post(_path(meta[endpoint]), data=data)
            assert response.status_code == 200, (alg, endpoint, response.json)


def test_private_key_jwt_refuses_a_shared_secret_assertion(app, client, unique, meta):
    secret = b"s" * 32
    from joserfc.jwk import OctKey

    oct_key = OctKey.import_key(secret).as_dict(private=True)
    oct_key["kid"] = "k1"
    reg = register(app, unique, auth_method="private_key_jwt",
                   grant_types=["client_credentials"], redirect_uris=[],
                   scopes=["licences:read"], jwks={"keys": [oct_key]})
    assert "HS256" not in meta["token_endpoint_auth_signing_alg_values_supported"]
    response = client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_assertion_type": ASSERTION,
        "client_assertion": _assertion(reg["client_id"], secret, "HS256",
                                       meta["token_endpoint"])})
    assert response.json["error"] == "invalid_client", response.json


def test_ui_locales_and_prompt_values(app, client, meta):
    assert set(meta["ui_locales_supported"]) == {"zh-CN", "en"}
    assert 'lang="en"' in client.get("/login?ui_locales=en").get_data(as_text=True)
    assert 'lang="zh-CN"' in client.get("/login?ui_locales=zh-CN").get_data(as_text=True)
    assert {"none", "login", "consent"} <= set(meta["prompt_values_supported"])
    assert meta["request_parameter_supported"] is False
    assert meta["request_uri_parameter_supported"] is False
    assert meta["claims_parameter_supported"] is False
