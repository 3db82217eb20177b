"""/api/v1/openapi.json documents every operation for the rendered reference at
/api/docs (issue 12): a summary and a description each, a Chinese example of every JSON
request body and every 2xx JSON response, problem-detail examples, every example valid
against its schema, and the whole document valid OpenAPI 3.1. The page itself: vendored
assets only, its own strict CSP, linked from the home page."""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest
from openapi_spec_validator import validate

from tests.conftest import ROOT

METHODS = ("get", "put", "post", "delete", "patch")
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def doc(client):
    return client.get("/api/v1/openapi.json").get_json()


def _operations(doc):
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", item[method]


def _is_json(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def _examples(content: dict) -> list:
    found = [e["value"] for e in content.get("examples", {}).values()]
    return found + ([content["example"]] if "example" in content else [])


def test_every_operation_has_summary_description_and_examples(doc):
    missing = []
    operations = list(_operations(doc))
    assert len(operations) >= 31
    for name, operation in operations:
        for part in ("summary", "description"):
            if not CJK.search(operation.get(part) or ""):
                missing.append(f"{name}: no Chinese {part}")
        for media, content in operation.get("requestBody", {}).get("content", {}).items():
            if _is_json(media) and not _examples(content):
                missing.append(f"{name}: no example of its {media} request")
        for status, response in operation["responses"].items():
            for media, content in response.get("content", {}).items():
                if status.startswith("2") and _is_json(media) and not _examples(content):
                    missing.append(f"{name}: no example of its {status} {media} response")
                if media == "application/problem+json" and not _examples(content):
                    missing.append(f"{name}: no problem example for {status}")
    assert missing == []


def _validator(doc, schema):
    # The schema inside a document whose components its $refs name.
    root = {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": doc["components"], "allOf": [schema]}
    return jsonschema.Draft202012Validator(root)


def test_every_example_validates_against_its_schema(doc):
    checked, wrong = 0, []
    for name, operation in _operations(doc):
        contents = [("request", operation.get("requestBody", {}).get("content", {}))]
        contents += [(status, r.get("content", {})) for status, r in
                     operation["responses"].items()]
        for where, content in contents:
            for media, body in content.items():
                for value in _examples(body):
                    checked += 1
                    errors = list(_validator(doc, body.get("schema", {})).iter_errors(value))
                    wrong += [f"{name} {where} {media}: {e.message[:120]}" for e in errors]
                    if media == "application/problem+json":
                        assert value["status"] == int(where), name
    assert wrong == [] and checked > 100


def test_chinese_example_data_is_real_in_form(doc):
    from identifiers import parse_license_id, validate_citizen_id, validate_uscc

    text = str(doc)
    identifiers = set(re.findall(r"1\.2\.156\.3005\.2\.[0-9A-Z.]+\.[0-9A-Z]", text))
    assert len(identifiers) >= 3
    for identifier in identifiers:
        parse_license_id(identifier)  # raises on a wrong check character
    for number in ("91440300708461136T", "11330105002500287C"):
        assert number in text and validate_uscc(number)
    assert validate_citizen_id("11010519491231002X")
    assert "被主管部门依法吊销" in text and "食品经营许可证" in text


def test_document_is_valid_openapi(doc):
    validate(doc)


def test_the_public_reason_is_documented(doc):
    change = doc["components"]["schemas"]["StatusChange"]["properties"]
    assert "revoked_by_authority" in change["public_reason"]["enum"]
    checked = doc["components"]["schemas"]["VerificationResult"]["properties"]["checked"]
    assert "status_reason" in checked["properties"]
    revoke = doc["paths"]["/api/v1/licenses/{id}/revoke"]["post"]
    problem = revoke["responses"]["422"]["content"]["application/problem+json"]
    assert problem["examples"]["zh"]["value"]["errors"][0]["field"] == "public_reason"


def test_docs_page_is_served_with_vendored_assets_and_a_strict_policy(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    from admin.headers import CSP

    policy = page.headers["Content-Security-Policy"]
    assert policy == CSP.format(forms="").strip()  # the site's own policy, unrelaxed
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert "<script>" not in html and "style=" not in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)  # nothing from elsewhere
    # The page speaks one language: Chinese by default, English when asked.
    assert "电子证照接口文档" in html and "API reference" not in html
    english = client.get("/api/docs", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Licence API reference" in english and "接口文档" not in english
    for asset in re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", html):
        assert client.get(asset).status_code == 200, asset
    vendor = ROOT / "admin" / "static" / "vendor" / "swagger-ui"
    assert (vendor / "LICENSE").is_file() and (vendor / "VENDORED.md").is_file()


def test_home_page_and_readme_link_the_docs(client):
    assert 'href="/api/docs"' in client.get("/").get_data(as_text=True)
    assert "/api/docs" in Path(ROOT / "README.md").read_text()


def test_examples_have_the_shape_of_real_answers(app, client, unique):
    """The licence and verification examples carry exactly the members the server sends
    (an example drifting from the API is as wrong as a missing one)."""
    from credentials import openapi_examples
    from tests.credentials.helpers import dept_headers, make_department
    from verify import openapi_examples as verify_examples

    dept = make_department(app, unique)
    issued = client.post("/api/v1/licenses", json=dept.body(),
                         headers=dept_headers(app, dept)).get_json()
    assert set(openapi_examples.licence()) == set(issued)
    verified = client.post("/api/v1/verify", json={"credential": issued["sd_jwt"]}).get_json()
    assert set(verify_examples.VALID) == set(verified)
    assert set(verify_examples.VALID["checked"]) == set(verified["checked"])
    assert [c["step"] for c in verify_examples.VALID["checks"]] == \
        [c["step"] for c in verified["checks"]]
    assert set(verify_examples.LICENCE) == set(verified["license"])
