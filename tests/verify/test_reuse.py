"""Reuse with consent: holder licences by scope, records of use, the holder's list,
authenticated verification, and the audit trail behind them."""

from __future__ import annotations

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
    return app.extensions["onegate.keyring"].sign_jwt("provider", "ES256", claims,
                                                      headers={"typ": "at+jwt"})


def add_licence(app, holder: str, type_code: str, serial: str) -> str:
    identifier = str(make_license_id(type_code, DEPT_USCC, serial, 1))
    now = datetime.now(UTC)
    with app.extensions["onegate.sessions"].begin() as session:
        session.add(Licence(
            identifier=identifier, type_code=type_code, department_code="scjg", serial=serial,
            version="001", holder_code_type="111", holder_number=holder, holder_name="张三",
            claims={"经营者名称": "张三小吃店"}, valid_from=now,
            valid_until=now + timedelta(days=9),
            issued_at=now, state="valid", status_list_id="L" + serial[:11],
            status_idx=0, kid="k", sd_jwt="x~", offline_qr="LIC1:",
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
    assert [(u["licence_identifier"], u["client_id"], u["staff"], u["purpose"], u["kind"])
            for u in uses] == [(food, "dept-hall-7", "窗口-07", "办理食品经营许可变更",
                                "retrieve")]
    assert marriage not in str(uses)
    with vapp.extensions["onegate.sessions"]() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.subject == food)).one()
        assert entry.action == "licence.retrieve" and entry.actor.endswith("staff:窗口-07")
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


def test_authenticated_verification_records_a_use(corpus_app, corpus):
    client = corpus_app.test_client()
    holder_id = "11010519491231002X"
    token = access_token(corpus_app, scope="licenses:verify", client_id="inspector-3")
    text = corpus.case("valid", "sd_jwt")
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
    assert [(u["kind"], u["client_id"], u["staff"], u["result"]) for u in mine] == \
        [("verify", "inspector-3", "执法-12", "valid")]
