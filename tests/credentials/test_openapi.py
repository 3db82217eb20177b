"""The OpenAPI description covers every route of the credentials JSON blueprints."""

from __future__ import annotations

import re


def test_every_route_is_described(client, app):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    blueprints = ("credentials_api", "credentials_wallet_api", "credentials_public")
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(tuple(b + "." for b in blueprints)):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule).replace("{identifier}",
                                                                             "{id}")
        assert path in doc["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = doc["paths"][path][method.lower()]
            assert operation["responses"], path
    assert {"Problem", "Licence", "IssueRequest"} <= set(doc["components"]["schemas"])


def test_problem_types_are_documented(client):
    body = client.get("/api/v1/problems/validation-failed").get_json()
    assert body["status"] == 422
    assert client.get("/api/v1/problems/nope").status_code == 404
