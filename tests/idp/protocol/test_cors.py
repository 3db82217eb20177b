"""Browser-based hall clients: CORS on discovery, JWKS and the client endpoints."""

from __future__ import annotations

from tests.idp.protocol.helpers import register


def test_discovery_and_jwks_allow_any_origin(client):
    for path in ("/.well-known/openid-configuration", "/jwks"):
        response = client.get(path, headers={"Origin": "https://anywhere.example"})
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in response.headers


def test_token_endpoint_allows_registered_origins_only(app, unique):
    register(app, unique, redirect_uris=[f"https://hall-{unique}.example.cn:8443/cb"])
    origin = f"https://hall-{unique}.example.cn:8443"
    client = app.test_client()
    preflight = client.options("/oauth/userinfo", headers={
        "Origin": origin, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert preflight.headers["Access-Control-Allow-Origin"] == origin
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    token = client.post("/oauth/token", data={"grant_type": "authorization_code"},
                        headers={"Origin": origin})
    assert token.headers["Access-Control-Allow-Origin"] == origin
    assert token.get_json()["error"] in {"invalid_client", "invalid_request"}
    stranger = client.post("/oauth/token", data={"grant_type": "authorization_code"},
                           headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in stranger.headers


def test_pages_get_no_cors(client):
    response = client.get("/login", headers={"Origin": "https://anywhere.example"})
    assert "Access-Control-Allow-Origin" not in response.headers
