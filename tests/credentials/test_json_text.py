"""JSON as people read it: Chinese as UTF-8 text (never ``\\uXXXX``), labelled
``charset=utf-8``, on plain JSON, problem details and published documents alike; and
each missing or unexpected claim of an issuance request under its own field name."""

from __future__ import annotations

import pytest

from tests.credentials.helpers import dept_headers


def _issue(client, app, dept, body):
    return client.post("/api/v1/licenses", json=body, headers=dept_headers(app, dept))


def test_two_missing_claims_each_under_its_own_name(client, app, dept):
    body = dept.body()
    del body["claims"]["permit_number"], body["claims"]["category"]
    response = _issue(client, app, dept, body)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    required = sorted(e["field"] for e in errors if e["reason"] == "required")
    assert required == ["claims.category", "claims.permit_number"]
    assert len(errors) == len({(e["field"], e["reason"]) for e in errors})  # no repeats


def test_each_unexpected_claim_under_its_own_name_in_utf8(client, app, dept):
    body = dept.body()
    body["claims"].update({"备注甲": "一", "备注乙": "二"})
    response = _issue(client, app, dept, body)
    assert response.status_code == 422
    fields = sorted(e["field"] for e in response.get_json()["errors"]
                    if e["reason"] == "additionalProperties")
    assert fields == sorted(["claims.备注甲", "claims.备注乙"])
    raw = response.get_data()
    assert "claims.备注甲".encode() in raw and b"\\u" not in raw
    assert response.headers["Content-Type"] == "application/problem+json; charset=utf-8"


def test_plain_json_is_utf8_text(client, app, dept):
    response = _issue(client, app, dept, dept.body())
    assert response.status_code == 201
    raw = response.get_data()
    assert "李四".encode() in raw and "广州市天河区体育西路1号".encode() in raw
    assert b"\\u" not in raw
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"


@pytest.mark.parametrize("path", ["/api/v1/trust-list?format=json",
                                  "/.well-known/openid-configuration"])
def test_published_json_is_labelled_utf8(client, dept, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert b"\\u" not in response.get_data()


def test_trust_list_names_departments_in_text(client, dept):
    raw = client.get("/api/v1/trust-list?format=json").get_data()
    assert f"测试厅 {dept.code[1:]}".encode() in raw


def test_a_lone_surrogate_is_escaped_not_a_500(client):
    """``"\\ud800"`` is valid JSON text but no UTF-8: the answer falls back to escapes."""
    response = client.post("/api/v1/verify", data=b'{"credential": "x\\ud800"}',
                           content_type="application/json")
    assert response.status_code == 200, response.get_data()[:200]
    assert response.get_json()["status"] == "invalid"
    from edge import json_text

    assert json_text.dumps({"a": "\ud800", "b": "中"}) == b'{"a":"\\ud800","b":"\\u4e2d"}\n'
    assert json_text.dumps({"b": "中"}) == '{"b":"中"}\n'.encode()
