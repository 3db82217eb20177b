"""The public catalogue: GET /api/v1/types and /api/v1/types/{code}, with ETags."""

from __future__ import annotations

import jsonschema

from credentials import type_lifecycle
from tests.credentials.catalogue_helpers import ACTOR, add_version, change, without_note

PROBLEMS = "http://localhost/api/v1/problems/"


def _schema(client, name: str) -> dict:
    doc = client.get("/api/v1/openapi.json").get_json()
    return {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}


def test_list_shows_each_type_with_its_rules_and_matches_the_description(client, dept):
    response = client.get("/api/v1/types")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    jsonschema.validate(body, _schema(client, "TypeList"))
    ours = next(t for t in body["types"] if t["code"] == dept.type_code)
    assert ours["status"] == "active" and ours["versions"] == [1]
    assert ours["issuing_departments"] == [
        {"code": dept.code, "issuer": f"http://localhost/issuers/{dept.code}"}]
    current = ours["current"]
    assert current["vct"] == f"http://localhost/types/{dept.type_code}"
    assert current["always_disclosed"] == ["holder_name", "permit_number", "category"]
    assert current["selectively_disclosable"] == ["holder_id", "address", "note"]
    assert "permit_number" in current["json_schema"]["properties"]


def test_etag_answers_304_until_the_catalogue_changes(app, client, dept):
    first = client.get(f"/api/v1/types/{dept.type_code}")
    etag = first.headers["ETag"]
    again = client.get(f"/api/v1/types/{dept.type_code}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    listed = client.get("/api/v1/types")
    add_version(app, dept.type_code, without_note())
    changed = client.get(f"/api/v1/types/{dept.type_code}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    detail = changed.get_json()
    jsonschema.validate(detail, _schema(client, "TypeDetail"))
    assert [v["version"] for v in detail["versions"]] == [1, 2]
    assert detail["current"]["version"] == 2
    assert "note" in detail["versions"][0]["json_schema"]["properties"]
    assert "note" not in detail["current"]["json_schema"]["properties"]
    relisted = client.get("/api/v1/types", headers={"If-None-Match": listed.headers["ETag"]})
    assert relisted.status_code == 200


def test_retired_and_former_issuers_are_published(app, client, dept):
    change(app, dept.type_code, lambda s: type_lifecycle.retire(
        s, dept.type_code, "停止发放", actor=ACTOR, now=app.credentials_services.clock()))
    detail = client.get(f"/api/v1/types/{dept.type_code}").get_json()
    assert detail["status"] == "retired" and detail["retired_reason"] == "停止发放"
    assert detail["retired_at"].endswith("Z")


def test_unknown_or_malformed_codes_are_404_problems(client):
    for code in ("91350100M000100Y43999", "nope", "x" * 300, "%00"):
        response = client.get(f"/api/v1/types/{code}")
        assert response.status_code == 404, code
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["type"] == PROBLEMS + "not-found"


def test_described_in_openapi(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/types", "/api/v1/types/{code}"):
        operation = doc["paths"][path]["get"]
        assert "security" not in operation and "ETag" in operation["responses"]["200"]["headers"]
    assert doc["components"]["schemas"]["TypeSummary"]["additionalProperties"] is False
    issue = doc["paths"]["/api/v1/licenses"]["post"]["responses"]
    assert "type-retired" in issue["422"]["description"]
    assert "department-not-allowed" in issue["403"]["description"]
