"""Reuse with consent: holder licences by scope, records of use, the holder's list,
authenticated verification, and the audit trail behind them."""

from __future__ import annotations

import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from audit import log as audit_log
from audit.models import AuditEntry
from credentials.models import Licence
from identifiers import citizen_id_check_character, make_license_id
from tests.verify.corpus import DEPT_USCC, FOOD_TYPE, MARRIAGE_TYPE


def citizen(unique: str) -> str:
    body = "44010619900101" + str(int(unique, 16) % 1000).zfill(3)
    return body + citizen_id_check_character(body)


def access_token(app, *, scope: str, holder: str | None = None, client_id="dept-hall-7"):
    now = int(time.time())
    base = app.config["ONEGATE"]["ISSUER"]
    claims = {"iss": base, "aud": [base + "/api"], "sub": "acct-" + uuid.uuid4().hex[:8],
              "client_id": client_id, "iat": now, "exp": now + 300,
              "jti": uuid.uuid4().hex, "scope": scope}
    if holder:
        claims["cn_id_number"] = holder
    return app.services.keyring.sign_jwt("provider", "ES256", claims,
                                                      headers={"typ": "at+jwt"})


def add_licence(app, holder: str, type_code: str, serial: str, idx: int = 0) -> str:
    return store_record(app, str(make_license_id(type_code, DEPT_USCC, serial, 1)), holder,
                        idx)


def store_record(app, identifier: str, holder: str, idx: int = 0) -> str:
    """The issuer's stored record of a licence (no-op if one exists)."""
    parts = identifier.split(".")
    type_code, serial = parts[5], parts[7]
    now = datetime.now(UTC)
    with app.services.sessions.begin() as session:
        if session.get(Licence, identifier) is not None:
            return identifier
        session.add(Licence(
            identifier=identifier, type_code=type_code, department_code="scjg", serial=serial,
            version="001", holder_code_type="111", holder_number=holder, holder_name="张三",
            claims={"经营者名称": "张三小吃店"}, valid_from=now,
            valid_until=now + timedelta(days=9),
            issued_at=now, state="valid", status_list_id="L" + serial[:11],
            status_idx=idx, kid="k", sd_jwt="x~", offline_qr="LIC1:",
            reference_hash="0" * 64))
    return identifier


@pytest.fixture
def holder(vapp, unique):
    number = citizen(unique)
    food = add_licence(vapp, number, FOOD_TYPE, "F" + unique.upper() + "01")
    marriage = add_licence(vapp, number, MARRIAGE_TYPE, "M" + unique.upper() + "01")
    return number, food, marriage


def _get(client, path, token, **headers):
    return client.get(path, headers={"Authorization": f"Bearer {token}", **headers})


def test_department_gets_only_consented_types_and_the_holder_sees_the_use(vapp, holder):
    number, food, marriage = holder
    client = vapp.test_client()
    token = access_token(vapp, scope=f"openid identity licenses:read:{FOOD_TYPE}", holder=number)
    response = _get(client, "/api/v1/holder/licenses?purpose=办理食品经营许可变更", token,
                    **{"X-Onegate-Staff": "窗口-07"})
    assert response.status_code == 200, response.json
    assert [lic["identifier"] for lic in response.json["licenses"]] == [food]
    wallet = access_token(vapp, scope="openid identity wallet", holder=number,
                          client_id="wallet")
    uses = _get(client, "/api/v1/wallet/uses", wallet).json["uses"]
    assert [(u["licence_identifier"], u["client_id"], u["staff"], u["staff_source"],
             u["purpose"], u["kind"]) for u in uses] == [
        (food, "dept-hall-7", "窗口-07", "stated_by_department", "办理食品经营许可变更",
         "retrieve")]
    assert marriage not in str(uses)
    with vapp.services.sessions() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.subject == food)).one()
        assert (entry.action, entry.actor) == ("licence.retrieve", "client:dept-hall-7")
        assert entry.data["staff"] == {"name": "窗口-07", "source": "stated_by_department"}
        assert audit_log.verify_chain(session) is None


@pytest.mark.parametrize(("query", "status"), [("", 400), ("?purpose=", 400),
                                               ("?purpose=" + "由" * 201, 400)])
def test_purpose_is_required_and_short(vapp, holder, query, status):
    number, *_ = holder
    token = access_token(vapp, scope=f"identity licenses:read:{FOOD_TYPE}", holder=number)
    response = _get(vapp.test_client(), "/api/v1/holder/licenses" + query, token)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"


def test_without_identity_or_scope_or_token(vapp, holder):
    client = vapp.test_client()
    no_identity = access_token(vapp, scope=f"licenses:read:{FOOD_TYPE}")
    assert _get(client, "/api/v1/holder/licenses?purpose=x", no_identity).status_code == 403
    no_scope = access_token(vapp, scope="identity", holder=holder[0])
    response = _get(client, "/api/v1/holder/licenses?purpose=x", no_scope)
    assert response.status_code == 403 and "insufficient_scope" in \
        response.headers["WWW-Authenticate"]
    assert client.get("/api/v1/holder/licenses?purpose=x").status_code == 401
    assert _get(client, "/api/v1/holder/licenses?purpose=x", "junk").status_code == 401
    assert _get(client, "/api/v1/wallet/uses", no_scope).status_code == 403


def department_system_token(app, unique: str) -> str:
    """A client_credentials token (sub is the client) of a system registered to a
    department, with scope licenses:verify."""
    from tests.credentials.helpers import make_department, mint

    return mint(app, client_id=make_department(app, unique).client_id,
                scope="licenses:verify")


def test_authenticated_verification_records_a_use(corpus_app, corpus, unique):
    client = corpus_app.test_client()
    holder_id = "11010519491231002X"
    token = department_system_token(corpus_app, unique)
    text = corpus.case("valid", "sd_jwt")
    # The holder of a use comes from the issuer's stored record of the licence.
    identifier = client.post("/api/v1/verify", json={"credential": text}
                             ).json["license"]["identifier"]
    store_record(corpus_app, identifier, holder_id)
    missing = client.post("/api/v1/verify", json={"credential": text},
                          headers={"Authorization": f"Bearer {token}"})
    assert missing.status_code == 400  # purpose required once authenticated
    response = client.post("/api/v1/verify", json={"credential": text, "purpose": "现场检查"},
                           headers={"Authorization": f"Bearer {token}",
                                    "X-Onegate-Staff": "执法-12"})
    assert response.json["status"] == "valid"
    wallet = access_token(corpus_app, scope="wallet", holder=holder_id, client_id="wallet")
    uses = _get(client, "/api/v1/wallet/uses", wallet).json["uses"]
    mine = [u for u in uses if u["licence_identifier"] == response.json["license"]["identifier"]]
    assert [(u["kind"], u["client_id"].startswith("sys-"), u["staff"], u["staff_source"],
             u["result"]) for u in mine] == \
        [("verify", True, "执法-12", "stated_by_department", "valid")]


def _problem_fields(response) -> list[tuple[str, str]]:
    assert response.mimetype == "application/problem+json", response.data
    return [(e["field"], e["reason"]) for e in response.json.get("errors", [])]


@pytest.mark.parametrize(("query", "reason"), [
    ("", "required"), ("?purpose=", "required"), ("?purpose=%20%20", "required"),
    ("?purpose=" + "由" * 201, "too_long"), ("?purpose=a%00b", "control_characters")])
def test_purpose_problems_name_the_field(vapp, holder, query, reason):
    token = access_token(vapp, scope=f"identity licenses:read:{FOOD_TYPE}", holder=holder[0])
    response = _get(vapp.test_client(), "/api/v1/holder/licenses" + query, token)
    assert response.status_code == 400
    assert _problem_fields(response) == [("purpose", reason)]
    assert response.json["title"] == ("Purpose required" if reason == "required"
                                      else "Invalid purpose")
    assert response.json["type"].endswith("/api/v1/problems/purpose")


@pytest.mark.parametrize(("staff", "reason"), [
    ("%ZZ", "bad_percent_encoding"), ("窗口%", "bad_percent_encoding"),
    ("%FF%FE", "bad_percent_encoding"), ("a%0Ab", "control_characters"),
    ("a\tb", "control_characters"), ("%00", "control_characters"),
    ("x" * 101, "too_long"), ("%E7%AA%97" * 101, "too_long"), ("y" * 5000, "too_long")])
def test_unusable_staff_header_is_refused_and_never_stored(vapp, holder, staff, reason):
    number, food, _ = holder
    client = vapp.test_client()
    token = access_token(vapp, scope=f"identity licenses:read:{FOOD_TYPE}", holder=number)
    response = _get(client, "/api/v1/holder/licenses?purpose=核对", token,
                    **{"X-Onegate-Staff": staff})
    assert response.status_code == 400
    assert _problem_fields(response) == [("X-Onegate-Staff", reason)]
    assert "X-Onegate-Staff" in response.json["title"]
    assert response.json["type"].endswith("/api/v1/problems/bad-header")
    with vapp.services.sessions() as session:
        assert session.scalars(select(AuditEntry).where(AuditEntry.subject == food)).all() == []


def test_unusable_staff_header_on_authenticated_verification(corpus_app, corpus, unique):
    token = department_system_token(corpus_app, unique)
    response = corpus_app.test_client().post(
        "/api/v1/verify", json={"credential": corpus.case("valid", "sd_jwt"), "purpose": "检查"},
        headers={"Authorization": f"Bearer {token}", "X-Onegate-Staff": "%ZZ"})
    assert response.status_code == 400
    assert _problem_fields(response) == [("X-Onegate-Staff", "bad_percent_encoding")]


def test_verify_problems_name_the_field(corpus_app, corpus, unique):
    client = corpus_app.test_client()
    token = department_system_token(corpus_app, unique)
    text = corpus.case("valid", "sd_jwt")
    missing = client.post("/api/v1/verify", json={"credential": text},
                          headers={"Authorization": f"Bearer {token}"})
    assert missing.status_code == 400 and missing.json["title"] == "Purpose required"
    assert _problem_fields(missing) == [("purpose", "required")]
    cases = [({"json": {}}, [("credential", "required")]),
             ({"json": {"credential": 5}}, [("credential", "not_text")]),
             ({"json": {"credential": "x" * 70_000}}, [("credential", "too_long")]),
             ({"json": {"credential": "x", "key_binding": {"audience": "a"}}},
              [("key_binding.nonce", "required")]),
             ({"data": {"other": "x"}, "content_type": "multipart/form-data"},
              [("image", "required")])]
    for kwargs, fields in cases:
        response = client.post("/api/v1/verify", **kwargs)
        assert response.status_code in (400, 413), kwargs
        assert _problem_fields(response) == fields, kwargs
        assert response.json["title"] not in ("Bad Request", "Content Too Large")


def rare_citizen() -> str:
    """A citizen number no other test (or earlier run on a kept database) is likely to use:
    a random birth date and sequence number, about 18 million choices."""
    born = datetime(1950, 1, 1) + timedelta(days=secrets.randbelow(18_000))
    body = "440106" + born.strftime("%Y%m%d") + f"{secrets.randbelow(1000):03d}"
    return body + citizen_id_check_character(body)


@pytest.fixture
def many(vapp, unique):
    number = rare_citizen()
    found = [add_licence(vapp, number, FOOD_TYPE, f"P{unique.upper()}{i:03d}", idx=i)
             for i in range(7)]
    return number, found


def _audit_count(vapp, subjects) -> int:
    with vapp.services.sessions() as session:
        return len(session.scalars(select(AuditEntry).where(
            AuditEntry.subject.in_(subjects))).all())


def test_holder_licences_are_paged_and_only_the_page_is_recorded(vapp, many):
    number, found = many
    client = vapp.test_client()
    token = access_token(vapp, scope=f"identity licenses:read:{FOOD_TYPE}", holder=number)
    first = _get(client, "/api/v1/holder/licenses?purpose=核对&limit=3", token)
    assert first.status_code == 200, first.json
    body = first.json
    assert (len(body["licenses"]), body["limit"], body["offset"]) == (3, 3, 0)
    assert body["next"].endswith("limit=3&offset=3") and "purpose=" in body["next"]
    assert first.headers["Link"] == f'<{body["next"]}>; rel="next"'
    page_one = [lic["identifier"] for lic in body["licenses"]]
    assert _audit_count(vapp, found) == 3  # one use (and audit entry) per licence handed over
    seen, following = list(page_one), body["next"]
    while following:
        page = _get(client, following.removeprefix(vapp.config["ONEGATE"]["ISSUER"]), token)
        assert page.status_code == 200, page.json
        seen += [lic["identifier"] for lic in page.json["licenses"]]
        following = page.json["next"]
    assert sorted(seen) == sorted(found) and len(set(seen)) == 7
    assert _audit_count(vapp, found) == 7
    with vapp.services.sessions() as session:
        assert audit_log.verify_chain(session) is None
    default = _get(client, "/api/v1/holder/licenses?purpose=核对", token).json
    assert (len(default["licenses"]), default["limit"], default["next"]) == (7, 100, None)


@pytest.mark.parametrize(("query", "field", "reason"), [
    ("limit=0", "limit", "out_of_range"), ("limit=501", "limit", "out_of_range"),
    ("limit=abc", "limit", "not_integer"), ("offset=-1", "offset", "not_integer"),
    ("limit=99999999999", "limit", "not_integer")])
def test_bad_paging_is_a_problem_naming_the_field(vapp, many, query, field, reason):
    token = access_token(vapp, scope=f"identity licenses:read:{FOOD_TYPE}", holder=many[0])
    response = _get(vapp.test_client(), f"/api/v1/holder/licenses?purpose=x&{query}", token)
    assert response.status_code == 400
    assert _problem_fields(response) == [(field, reason)]
    wallet = access_token(vapp, scope="wallet", holder=many[0], client_id="wallet")
    assert _get(vapp.test_client(), f"/api/v1/wallet/uses?{query}", wallet).status_code == 400


def test_wallet_uses_are_paged(vapp, many):
    number, found = many
    client = vapp.test_client()
    token = access_token(vapp, scope=f"identity licenses:read:{FOOD_TYPE}", holder=number)
    assert _get(client, "/api/v1/holder/licenses?purpose=核对", token).status_code == 200
    wallet = access_token(vapp, scope="wallet", holder=number, client_id="wallet")
    first = _get(client, "/api/v1/wallet/uses?limit=4", wallet).json
    assert len(first["uses"]) == 4 and first["next"].endswith("limit=4&offset=4")
    rest = _get(client, "/api/v1/wallet/uses?limit=4&offset=4", wallet).json
    assert len(rest["uses"]) == 3 and rest["next"] is None
    assert sorted(u["licence_identifier"] for u in first["uses"] + rest["uses"]) == sorted(found)
