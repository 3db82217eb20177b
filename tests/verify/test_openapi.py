"""/api/v1/openapi.json describes every JSON API route of credentials and verify, with
its method and problem responses, and is a valid OpenAPI 3.1 document."""

from __future__ import annotations

import importlib
import re

import pytest

from credentials.openapi import with_fragments

JSON_BLUEPRINTS = ("credentials_api", "credentials_wallet_api", "credentials_public",
                   "verify_api")


def _path(rule: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule).replace("{identifier}", "{id}")


def test_every_json_route_is_described_with_its_method(vapp):
    doc = vapp.test_client().get("/api/v1/openapi.json").get_json()
    seen = set()
    for rule in vapp.url_map.iter_rules():
        blueprint = rule.endpoint.partition(".")[0]
        if blueprint not in JSON_BLUEPRINTS or rule.endpoint.endswith(".static"):
            continue
        seen.add(blueprint)
        path = _path(rule.rule)
        assert path in doc["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = doc["paths"][path].get(method.lower())
            assert operation and operation["responses"], (method, path)
    assert seen == set(JSON_BLUEPRINTS)
    for path in ("/api/v1/verify", "/api/v1/trust-list", "/api/v1/offline-bundle",
                 "/api/v1/holder/licenses", "/api/v1/wallet/uses"):
        assert path in doc["paths"]
    verify = doc["paths"]["/api/v1/verify"]["post"]
    assert {"400", "413", "415", "429"} <= set(verify["responses"])
    assert verify["responses"]["413"]["content"]["application/problem+json"]["schema"] == \
        {"$ref": "#/components/schemas/Problem"}
    holder = doc["paths"]["/api/v1/holder/licenses"]["get"]
    assert [p["name"] for p in holder["parameters"]] == \
        ["purpose", "limit", "offset", "X-Onegate-Staff"]
    assert {"limit", "offset", "next"} <= set(
        holder["responses"]["200"]["content"]["application/json"]["schema"]["properties"])
    uses = doc["paths"]["/api/v1/wallet/uses"]["get"]
    assert [p["name"] for p in uses["parameters"]] == ["limit", "offset"]
    result = doc["components"]["schemas"]["VerificationResult"]["properties"]
    assert {"reason", "reason_zh"} <= set(result)
    assert {"holder_name", "display"} <= set(result["license"]["properties"])


def test_document_is_valid_openapi_3_1(vapp):
    validator = importlib.import_module("openapi_spec_validator")
    doc = vapp.test_client().get("/api/v1/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0"
    validator.validate(doc)


def test_fragments_merge_and_conflicts_are_refused():
    base = {"paths": {"/a": {"get": {"responses": {}}}}, "components": {"schemas": {"A": {}}}}
    merged = with_fragments(base, [{"paths": {"/a": {"post": {"responses": {}}}}},
                                   lambda iss: {"components": {"schemas": {"B": {"x": iss}}}}],
                            "http://x")
    assert set(merged["paths"]["/a"]) == {"get", "post"}
    assert merged["components"]["schemas"]["B"] == {"x": "http://x"}
    with pytest.raises(ValueError, match="redefines"):
        with_fragments(merged, [{"paths": {"/a": {"get": {"summary": "other"}}}}], "")


def test_every_verify_problem_type_is_dereferenceable(client):
    import re
    from pathlib import Path

    package = Path(__file__).resolve().parents[2] / "verify"
    source = "\n".join(p.read_text() for p in package.glob("*.py"))
    used = set(re.findall(r'slug="([a-z-]+)"', source))
    used |= {"unauthorized", "invalid_request", "invalid_token", "insufficient_scope"}
    used |= set(re.findall(r'typed\(\s*"([a-z-]+)"', source))
    used |= set(re.findall(r'(?:413|422): "([a-z-]+)"', source))
    assert {"purpose", "bad-header", "paging", "no-qr-code", "credential-missing"} <= used
    for slug in used:
        response = client.get(f"/api/v1/problems/{slug}")
        assert response.status_code == 200, slug
        assert response.get_json()["type"] == slug
