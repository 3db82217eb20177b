"""End to end through the Flask test client with provider-minted access tokens."""

from __future__ import annotations

import pytest

from credentials.models import IdempotencyRecord, Licence
from tests.credentials.conftest import count
from tests.credentials.helpers import bad_check, dept_headers, make_department


def issue(client, app, dept, body=None, **headers):
    return client.post("/api/v1/licenses", json=body or dept.body(),
                       headers=dept_headers(app, dept, **headers))


def test_issue_returns_everything(client, app, dept):
    response = issue(client, app, dept)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["identifier"].startswith(f"1.2.156.3005.2.{dept.type_code}.{dept.uscc}.")
    assert body["version"] == 1 and body["identifier"].split(".")[-2] == "001"
    assert body["sd_jwt"].count("~") >= 2 and body["offline_qr"].startswith("LIC1:")
    assert body["status"]["uri"].startswith(f"http://localhost/issuers/{dept.code}/status/")
    assert 0 <= body["status"]["idx"] < 100_000
    assert set(body["links"]) >= {"self", "qr_png", "qr_svg", "offline_qr_png", "reference_url"}
    assert body["links"]["reference_url"].startswith("http://localhost/v/" + body["identifier"])
    assert response.headers["Location"] == body["links"]["self"]
    got = client.get(f"/api/v1/licenses/{body['identifier']}", headers=dept_headers(app, dept))
    assert got.status_code == 200 and got.get_json()["sd_jwt"] == body["sd_jwt"]


def test_lifecycle(client, app, dept):
    ident = issue(client, app, dept).get_json()["identifier"]
    h = dept_headers(app, dept)

    def act(action, **body):
        return client.post(f"/api/v1/licenses/{ident}/{action}", json=body or {"reason": "test"},
                           headers=h)

    assert act("reinstate").status_code == 409
    assert act("suspend").get_json()["state"] == "suspended"
    conflict = act("suspend")
    assert conflict.status_code == 409
    assert conflict.mimetype == "application/problem+json"
    assert conflict.get_json()["errors"] == [{"field": "state", "reason": "is_suspended"}] or \
        conflict.get_json()["errors"][0]["field"] == "state"
    assert act("reinstate").get_json()["state"] == "valid"
    missing_reason = client.post(f"/api/v1/licenses/{ident}/revoke", json={}, headers=h)
    assert missing_reason.status_code == 422
    assert missing_reason.get_json()["errors"][0] == {"field": "reason", "reason": "required"}
    assert act("revoke").get_json()["state"] == "revoked"
    for action in ("suspend", "reinstate", "revoke"):
        assert act(action).status_code == 409


def test_reissue_makes_next_version_and_revokes_old(client, app, dept):
    first = issue(client, app, dept).get_json()
    h = dept_headers(app, dept)
    claims = dict(first["claims"], address="深圳市福田区深南大道2号")
    response = client.post(f"/api/v1/licenses/{first['identifier']}/reissue",
                           json={"claims": claims}, headers=h)
    assert response.status_code == 201, response.get_json()
    second = response.get_json()
    old_parts, new_parts = first["identifier"].split("."), second["identifier"].split(".")
    assert new_parts[-3] == old_parts[-3]                      # same serial
    assert (old_parts[-2], new_parts[-2]) == ("001", "002")    # version + 1
    assert second["version"] == 2 and second["previous"] == first["identifier"]
    old = client.get(f"/api/v1/licenses/{first['identifier']}", headers=h).get_json()
    assert old["state"] == "revoked" and old["superseded_by"] == second["identifier"]
    again = client.post(f"/api/v1/licenses/{first['identifier']}/reissue",
                        json={"claims": claims}, headers=h)
    assert again.status_code == 409
    bad = client.post(f"/api/v1/licenses/{second['identifier']}/reissue",
                      json={"claims": {"permit_number": "nope", "category": "甲类"}}, headers=h)
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == \
        "claims.permit_number"


def test_idempotency(client, app, dept):
    body = dept.body()
    first = issue(client, app, dept, body, **{"Idempotency-Key": "k-" + dept.code})
    again = issue(client, app, dept, body, **{"Idempotency-Key": "k-" + dept.code})
    assert first.status_code == 201 and again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json()["identifier"] == first.get_json()["identifier"]
    other = dict(body, claims=dict(body["claims"], note="不同"))
    conflict = issue(client, app, dept, other, **{"Idempotency-Key": "k-" + dept.code})
    assert conflict.status_code == 409
    assert conflict.get_json()["errors"][0]["field"] == "Idempotency-Key"
    assert count(app, Licence, department_code=dept.code) == 1


def test_problem_names_fields_and_nothing_is_stored(client, app, dept):
    body = dept.body()
    body["holder"]["number"] = bad_check(body["holder"]["number"])
    body["claims"]["category"] = "丙类"
    del body["claims"]["permit_number"]
    before = count(app, Licence, department_code=dept.code)
    response = issue(client, app, dept, body, **{"Idempotency-Key": "bad-" + dept.code})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 422 and problem["type"].endswith("/validation-failed")
    fields = {(e["field"], e["reason"]) for e in problem["errors"]}
    assert ("holder.number", "bad_check_character") in fields
    assert count(app, Licence, department_code=dept.code) == before
    assert count(app, IdempotencyRecord, key="bad-" + dept.code) == 0
    claims_body = dept.body()
    claims_body["claims"]["category"] = "丙类"
    del claims_body["claims"]["permit_number"]
    fields = {(e["field"], e["reason"]) for e in
              issue(client, app, dept, claims_body).get_json()["errors"]}
    assert {("claims.category", "enum"), ("claims.permit_number", "required")} <= fields


def test_wrong_holder_kind_and_unknown_type(client, app, dept):
    body = dept.body(holder={"code_type": "001", "number": "91440300708461136T",
                             "name": "某公司"})
    errors = issue(client, app, dept, body).get_json()["errors"]
    assert errors[0]["field"] == "holder.code_type"


def test_scope_and_department_are_enforced(client, app, dept, unique):
    no_scope = issue(client, app, dept, scope="openid")
    assert no_scope.status_code == 403
    assert 'error="insufficient_scope"' in no_scope.headers["WWW-Authenticate"]
    assert no_scope.mimetype == "application/problem+json"
    ident = issue(client, app, dept).get_json()["identifier"]
    other = make_department(app, unique + "x")
    # Another department holding a scope for this type still may not touch it.
    h = dept_headers(app, other, scope=f"licenses:issue:{dept.type_code}")
    assert client.post(f"/api/v1/licenses/{ident}/suspend", json={"reason": "x"},
                       headers=h).status_code == 403
    assert client.get(f"/api/v1/licenses/{ident}", headers=h).status_code == 403
    response = client.post("/api/v1/licenses", json=dept.body(), headers=h)
    assert response.status_code == 403
    assert response.get_json()["errors"][0]["reason"] == "department_not_allowed"


def test_missing_and_invalid_tokens(client, app, dept):
    response = client.post("/api/v1/licenses", json=dept.body())
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    bad = client.post("/api/v1/licenses", json=dept.body(),
                      headers={"Authorization": "Bearer not.a.token"})
    assert bad.status_code == 401 and 'error="invalid_token"' in bad.headers["WWW-Authenticate"]
    assert bad.mimetype == "application/problem+json"


def test_get_validates_identifier(client, app, dept):
    h = dept_headers(app, dept)
    ident = issue(client, app, dept).get_json()["identifier"]
    broken = ident[:-1] + ("A" if ident[-1] != "A" else "B")
    response = client.get(f"/api/v1/licenses/{broken}", headers=h)
    assert response.status_code == 422
    assert response.get_json()["errors"][0] == {
        "field": "id", "reason": "bad_check_character",
        "message": response.get_json()["errors"][0]["message"]}
    assert client.get("/api/v1/licenses/1.2.3", headers=h).status_code == 422


def test_batch_mixed(client, app, dept):
    good = [dept.body() for _ in range(3)]
    bad = dept.body()
    bad["holder"]["number"] = bad_check(bad["holder"]["number"])
    items = [good[0], bad, good[1], "garbage", good[2], {"type": dept.type_code}]
    before = count(app, Licence, department_code=dept.code)
    response = client.post("/api/v1/licenses:batch", json={"items": items},
                           headers=dept_headers(app, dept))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["issued"], body["rejected"]) == (3, 3)
    statuses = [r["status"] for r in body["results"]]
    assert statuses == [201, 422, 201, 400, 201, 422]
    assert body["results"][1]["problem"]["errors"][0]["field"] == "holder.number"
    assert count(app, Licence, department_code=dept.code) == before + 3
    too_many = client.post("/api/v1/licenses:batch", json={"items": [good[0]] * 1001},
                           headers=dept_headers(app, dept))
    assert too_many.status_code == 413


GARBAGE = [
    b"", b"not json", b"[]", b"[1,2]", b"null", b"123", b'"text"', b"{", b'{"a":1,"a":2}',
    b'{"type": 1}', b'{"type": null, "holder": []}', b'{"holder": "x", "claims": []}',
    b'{"type": "' + b"A" * 100_000 + b'"}', b'{"claims": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"type": "\\ud800", "holder": {"name": "\\u0000"}}',
    b'\xff\xfe\x00garbage', '{"type":"☃☃☃", "holder":{"code_type":"111","number":"𝕏","name":"x"}}'
    .encode(), b'{"valid_from": "2024-13-45", "valid_until": 5}', b'{"claims": {"x": NaN}}',
    b'{"holder": {"code_type": "111", "number": 110105194912310021, "name": 1}}',
]


@pytest.mark.parametrize("raw", GARBAGE)
def test_garbage_never_500(client, app, dept, raw):
    h = dict(dept_headers(app, dept), **{"Content-Type": "application/json"})
    for path in ("/api/v1/licenses", "/api/v1/licenses:batch"):
        response = client.post(path, data=raw, headers=h)
        assert 400 <= response.status_code < 500, (path, response.status_code)
        assert response.mimetype == "application/problem+json"
    ident = issue(client, app, dept).get_json()["identifier"]
    for action in ("suspend", "reissue"):
        response = client.post(f"/api/v1/licenses/{ident}/{action}", data=raw, headers=h)
        assert 400 <= response.status_code < 500


def test_hypothesis_garbage_never_500(app, dept):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    client = app.test_client()
    h = dept_headers(app, dept)
    json_values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                     max_size=4), max_leaves=20)
    body = st.fixed_dictionaries({}, optional={
        "type": st.one_of(st.just(dept.type_code), json_values),
        "holder": st.one_of(st.fixed_dictionaries({}, optional={
            "code_type": st.sampled_from(["111", "001", "x", 1]), "number": json_values,
            "name": json_values}), json_values),
        "claims": json_values, "valid_from": json_values, "valid_until": json_values})

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body)
    def check(value):
        response = client.post("/api/v1/licenses", json=value, headers=h)
        assert response.status_code < 500

    check()
