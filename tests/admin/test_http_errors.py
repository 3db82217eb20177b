"""HTTP correctness (issue 8 item 10): 405 with Allow on every route, every JSON API
error an RFC 9457 problem of a dereferenceable /api/v1/problems/<slug> type, and
query parameters validated."""

from __future__ import annotations

import re

import pytest

from tests.credentials.helpers import dept_headers, make_department

PROBLEM = "application/problem+json"
UNUSED = ("PATCH", "PUT", "DELETE", "POST", "GET")


def assert_problem(response, status: int, slug: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    assert re.fullmatch(r"http://localhost/api/v1/problems/[a-z0-9_-]+", body["type"]), body
    if slug:
        assert body["type"].endswith("/" + slug)
    return body


def _url(rule) -> str:
    return re.sub(r"<(?:[^:>]+:)?[^>]+>", "1", rule.rule)


def test_every_route_answers_405_with_allow(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        method = next(m for m in UNUSED if m not in rule.methods)
        url = _url(rule)
        response = client.open(url, method=method, headers={"Accept": "text/html"})
        if response.status_code != 405:
            continue  # another rule with the same shape takes this method
        checked += 1
        allowed = {m.strip() for m in response.headers["Allow"].split(",")}
        assert rule.methods - {"OPTIONS"} <= allowed, url
        if url.startswith(("/api/", "/audit/", "/issuers/", "/types/")):
            # JSON endpoints of the OpenAPI description answer problems, whatever Accept says.
            assert_problem(response, 405, "method-not-allowed")
        elif not url.startswith(("/oauth/", "/.well-known/", "/jwks", "/readyz")):
            assert response.mimetype == "text/html", url
    assert checked > 20


def test_api_errors_are_typed_problems_and_types_resolve(app, client, unique):
    headers = dept_headers(app, make_department(app, unique))
    not_found = assert_problem(client.get("/api/v1/nothing-here"), 404, "not-found")
    too_large = client.post("/api/v1/licenses", data=b"x" * (8 * 1024 * 1024 + 1),
                            content_type="application/json", headers=headers)
    assert_problem(too_large, 413, "too-large")
    unsupported = client.post("/api/v1/licenses", data="x", content_type="text/plain",
                              headers=headers)
    assert_problem(unsupported, 415)
    for body in (not_found, too_large.get_json()):
        path = body["type"].removeprefix("http://localhost")
        assert client.get(path).get_json()["status"] == body["status"]


def test_every_problem_type_has_a_page(app, client):
    slugs = client.get("/api/v1/openapi.json").get_json()["paths"][
        "/api/v1/problems/{slug}"]["get"]["parameters"][0]["schema"]["enum"]
    assert {"method-not-allowed", "too-large", "unknown-type", "bad-parameter",
            "rate-limited", "invalid_token", "validation-failed"} <= set(slugs)
    for slug in slugs:
        page = client.get(f"/api/v1/problems/{slug}", headers={"Accept": "text/html"})
        assert page.status_code == 200 and page.mimetype == "text/html", slug
        as_json = client.get(f"/api/v1/problems/{slug}").get_json()
        assert as_json["type"] == slug and 400 <= as_json["status"] < 600
        assert f"/api/v1/problems/{slug}" in page.get_data(as_text=True)
    assert_problem(client.get("/api/v1/problems/no-such-type"), 404)


@pytest.mark.parametrize("path", ["/api/v1/trust-list", "/api/v1/offline-bundle"])
@pytest.mark.parametrize("query", ["format=xml", "format=", "format=json&format=json"])
def test_format_parameter_is_validated(client, path, query):
    body = assert_problem(client.get(f"{path}?{query}"), 400, "bad-parameter")
    assert [e["field"] for e in body["errors"]] == ["format"]


def test_trust_list_formats_still_served(client):
    assert client.get("/api/v1/trust-list?format=json").mimetype == "application/json"
    assert client.get("/api/v1/trust-list").mimetype == "application/trustlist+jwt"


def test_unknown_licence_type_is_422_not_a_scope_error(app, client, unique):
    dept = make_department(app, unique)
    unknown = "9" * 21
    for headers in (dept_headers(app, dept), dept_headers(app, dept, scope="openid")):
        body = assert_problem(client.post("/api/v1/licenses", json=dept.body(type=unknown),
                                          headers=headers), 422, "unknown-type")
        assert body["errors"] == [{"field": "type", "reason": "unknown_type"}]
    batch = client.post("/api/v1/licenses:batch", headers=dept_headers(app, dept),
                        json={"items": [dept.body(type=unknown), dept.body()]})
    results = batch.get_json()["results"]
    assert [r["status"] for r in results] == [422, 201]
    assert results[0]["problem"]["errors"] == [{"field": "type", "reason": "unknown_type"}]
    # A known type without its scope stays a scope error.
    no_scope = client.post("/api/v1/licenses", json=dept.body(),
                           headers=dept_headers(app, dept, scope="openid"))
    assert_problem(no_scope, 403)


def test_batch_refuses_unknown_members(app, client, unique):
    dept = make_department(app, unique)
    response = client.post("/api/v1/licenses:batch", headers=dept_headers(app, dept),
                           json={"items": [dept.body()], "extra": 1})
    body = assert_problem(response, 422, "validation-failed")
    assert body["errors"] == [{"field": "extra", "reason": "unknown_field"}]


def test_unexpected_error_is_a_typed_500_without_a_trace(migrated, tmp_path):
    from admin.app import create_app
    from tests.conftest import test_settings

    app = create_app(test_settings(migrated), instance_path=tmp_path)

    def boom():
        raise RuntimeError("secret internals")

    app.add_url_rule("/api/v1/boom", view_func=boom)
    app.add_url_rule("/boom", view_func=boom)
    client = app.test_client()
    body = assert_problem(client.get("/api/v1/boom"), 500, "internal-error")
    assert "secret" not in str(body)
    page = client.get("/boom", headers={"Accept": "text/html"})
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert "secret" not in page.get_data(as_text=True)
    app.services.engine.dispose()
