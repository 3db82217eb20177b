"""The composed app: readiness, JWKS, headers, metrics, problem details."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.serialization import (
    load_der_private_key,
    load_pem_private_key,
)
from sqlalchemy import select

from keys.envelope import open_sealed
from keys.models import SigningKeyRow

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def test_readyz_reports_database_and_keys(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok", "keys": "ok"}}


def test_readyz_is_503_without_provider_keys(app):
    ring = app.services.keyring
    rs256 = [r for r in ring.records("provider") if r.alg == "RS256" and r.state == "active"]
    for record in rs256:
        ring.revoke(record.kid)
    try:
        body = app.test_client().get("/readyz")
        assert body.status_code == 503
        assert body.get_json()["checks"]["keys"].startswith("no provider signing key")
    finally:
        ring.ensure("provider", "RS256")


def test_jwks_lists_active_provider_keys_without_private_members(app, client):
    keys = client.get("/jwks").get_json()["keys"]
    ring = app.services.keyring
    assert ring.signer("provider", "RS256").kid in {k["kid"] for k in keys}
    assert {k["alg"] for k in keys} >= {"RS256", "ES256", "EdDSA"}
    assert all(not PRIVATE_MEMBERS & set(k) for k in keys)


def test_database_copy_reveals_no_private_key(app):
    sessions = app.services.sessions
    with sessions() as session:
        rows = session.scalars(select(SigningKeyRow)).all()
    assert rows
    for row in rows:
        blob = bytes(row.encrypted_private)
        if row.state == "revoked":
            assert blob == b""  # revoking destroys the sealed key (keys.row_mac)
            continue
        for loader in (load_der_private_key, load_pem_private_key):
            with pytest.raises((ValueError, TypeError)):
                loader(blob, password=None)
        der = open_sealed(blob, kek=app.config["ONEGATE"]["KEK_BYTES"], kid=row.kid)
        assert load_der_private_key(der, password=None) is not None


def test_security_headers_on_every_response(client):
    for path in ("/healthz", "/jwks", "/no-such-page"):
        headers = client.get(path).headers
        assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert "Strict-Transport-Security" not in headers


def test_hsts_under_https(client):
    headers = client.get("/healthz", base_url="https://localhost").headers
    assert headers["Strict-Transport-Security"].startswith("max-age=")


def test_request_id_is_echoed_or_generated(client):
    assert client.get("/healthz", headers={"X-Request-Id": "abc-123"}).headers[
        "X-Request-Id"] == "abc-123"
    generated = client.get("/healthz", headers={"X-Request-Id": "bad id <script>"}).headers[
        "X-Request-Id"]
    assert len(generated) == 16 and generated != "bad id"


def test_metrics_count_requests(client):
    client.get("/healthz")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'onegate_http_requests_total{endpoint="health.healthz",method="GET",status="200"}' \
        in text


def test_unknown_api_path_is_problem_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404


def test_unknown_page_is_readable_html(client):
    response = client.get("/nothing-here", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert b"<html" in response.data and b"Traceback" not in response.data


@pytest.mark.live
def test_live_server_ready_and_publishes_keys(live_server):
    assert live_server.get("/readyz").status_code == 200
    jwks = live_server.get("/jwks")
    assert jwks.headers["Content-Type"].startswith("application/jwk-set+json")
    assert any(k["alg"] == "RS256" for k in jwks.json()["keys"])


def test_home_page_links_the_services(client):
    page = client.get("/").get_data(as_text=True)
    assert 'lang="zh-CN"' in page
    for link in ("/account", "/wallet", "/verify", "/.well-known/openid-configuration",
                 "/api/v1/openapi.json"):
        assert f'href="{link}' in page


def test_metrics_content_type_is_prometheus(client):
    assert client.get("/metrics").headers["Content-Type"].startswith("text/plain; version=")


def test_consent_names_licence_types_from_the_catalogue(app):
    from credentials.demo import BUSINESS_LICENCE, load
    from idp.scope_descriptions import describe_scope

    load(app.services.sessions, app.services.keyring,
         app.config["ONEGATE"]["ISSUER"])
    from admin.app import idp_services

    names = idp_services(app.services).licence_type_names
    scope = f"licenses:read:{BUSINESS_LICENCE.code}"
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        assert f"营业执照 ({BUSINESS_LICENCE.code})" in describe_scope(scope, names)
    with app.test_request_context("/?ui_locales=en", headers={"Accept-Language": "en"}):
        assert f"Business licence ({BUSINESS_LICENCE.code})" in describe_scope(scope, names)
    with app.test_request_context("/"):
        assert describe_scope("licenses:read:NOSUCHTYPE", names).endswith("NOSUCHTYPE")


def test_favicon_answers_without_content(client):
    assert client.get("/favicon.ico").status_code == 204
