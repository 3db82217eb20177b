"""Records of use the holder can trust: only a registered department system holding
``licenses:verify`` (a client_credentials token) records an authenticated verification;
the holder comes from the issuer's stored record, never from what a presentation
discloses; a staff name from a header is labelled as the department's own statement."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from audit.models import AuditEntry
from credentials.formats import sd_jwt
from tests.credentials.helpers import dept_headers, make_department, mint
from verify.models import UseRecord

VERIFY_SCOPE = "licenses:verify"


@pytest.fixture
def issued(full_app, unique):
    """A licence whose holder_id is selectively disclosable, and a verifying department."""
    dept = make_department(full_app, unique)
    response = full_app.test_client().post("/api/v1/licenses", json=dept.body(),
                                           headers=dept_headers(full_app, dept))
    assert response.status_code == 201, response.get_json()
    inspector = make_department(full_app, unique + "i")
    return response.get_json(), inspector


def _bearer(token: str, **headers) -> dict:
    return {"Authorization": f"Bearer {token}", **headers}


def _wallet_uses(app, number: str) -> list[dict]:
    token = mint(app, client_id="onegate-wallet", scope="openid wallet identity",
                 sub="u-" + number[-6:], cn_id_number=number, auth_time=1)
    response = app.test_client().get("/api/v1/wallet/uses", headers=_bearer(token))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["uses"]


def _stored(app, identifier: str) -> tuple[list[UseRecord], list[AuditEntry]]:
    with app.services.sessions() as session:
        uses = list(session.scalars(select(UseRecord)
                                    .where(UseRecord.licence_identifier == identifier)))
        entries = list(session.scalars(select(AuditEntry)
                                       .where(AuditEntry.subject == identifier)
                                       .where(AuditEntry.action == "licence.verify")))
    return uses, entries


def _without_holder_id(licence: dict) -> str:
    presented = sd_jwt.present(licence["sd_jwt"], ["address"])
    assert licence["holder"]["number"] not in presented.replace("~", "")  # withheld
    return presented


def _refused(response, scope: str = VERIFY_SCOPE) -> None:
    assert response.status_code == 403, response.get_json()
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ") and 'error="insufficient_scope"' in challenge
    assert f'scope="{scope}"' in challenge
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 403 and body["type"].endswith("/api/v1/problems/insufficient_scope")


REGISTERED = "<the inspecting department's system>"
#: Each refused for one reason at least; the last three for exactly one.
REFUSED_TOKENS = {
    # A person's token of any hall: the holder's wallet, a department's code flow.
    "wallet": dict(client_id="onegate-wallet", scope="openid identity wallet", sub="u-1",
                   auth_time=1),
    "code_flow": dict(client_id=REGISTERED, scope="openid identity licenses:read:x",
                      sub="u-2", auth_time=1),
    # Even with the scope and through a registered client: a person is not a system.
    "person_with_scope": dict(client_id=REGISTERED, scope=VERIFY_SCOPE, sub="u-3",
                              auth_time=1),
    # A 代办 token (the citizen as sub, the verified clerk in act) with the scope,
    # through the registered system: verifications are department systems' alone, so
    # nothing is ever recorded under a mandate but retrievals (tests/idp/mandates).
    "daiban": dict(client_id=REGISTERED, scope=VERIFY_SCOPE, sub="u-4", auth_time=1,
                   act={"sub": "clerk-1", "cn_staff_name": "王五", "cn_station": "石门村服务站",
                        "cn_station_code": "v-shimen"},
                   cn_mandate={"id": "m_1", "method": "phone", "matter": "核验"}),
    # A registered system's client_credentials token without the scope.
    "system_without_scope": dict(client_id=REGISTERED, scope="licenses:issue:x"),
    # A client_credentials token with the scope, of a client no department registered.
    "unregistered_system": dict(client_id="c-unregistered", scope=VERIFY_SCOPE),
}


@pytest.mark.parametrize("kind", sorted(REFUSED_TOKENS))
def test_only_a_department_system_may_record_a_verification(full_app, issued, kind):
    licence, inspector = issued
    claims = dict(REFUSED_TOKENS[kind])
    if claims["client_id"] == REGISTERED:
        claims["client_id"] = inspector.client_id
    token = mint(full_app, **claims)
    response = full_app.test_client().post(
        "/api/v1/verify", json={"credential": licence["sd_jwt"], "purpose": "冒充核验"},
        headers=_bearer(token, **{"X-Onegate-Staff": "王五"}))
    _refused(response)
    assert _stored(full_app, licence["identifier"]) == ([], [])
    assert _wallet_uses(full_app, licence["holder"]["number"]) == []


def test_department_system_use_names_the_holder_even_when_withheld(full_app, issued):
    licence, inspector = issued
    token = mint(full_app, client_id=inspector.client_id, scope=VERIFY_SCOPE)
    client = full_app.test_client()
    for text in (_without_holder_id(licence), licence["offline_qr"],
                 licence["links"]["reference_url"]):
        response = client.post("/api/v1/verify", json={"credential": text, "purpose": "现场检查"},
                               headers=_bearer(token))
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["status"] == "valid"
    uses = _wallet_uses(full_app, licence["holder"]["number"])
    assert [(u["kind"], u["client_id"], u["licence_identifier"], u["result"]) for u in uses] \
        == [("verify", inspector.client_id, licence["identifier"], "valid")] * 3
    stored, entries = _stored(full_app, licence["identifier"])
    assert {row.holder_code for row in stored} == {licence["holder"]["number"]}
    assert len(entries) == 3


def test_staff_name_is_labelled_as_the_departments_statement(full_app, issued):
    licence, inspector = issued
    token = mint(full_app, client_id=inspector.client_id, scope=VERIFY_SCOPE)
    client = full_app.test_client()
    response = client.post("/api/v1/verify",
                           json={"credential": licence["sd_jwt"], "purpose": "现场检查"},
                           headers=_bearer(token, **{"X-Onegate-Staff": "%E6%89%A7%E6%B3%95-12"}))
    assert response.status_code == 200, response.get_json()
    assert client.post("/api/v1/verify", json={"credential": licence["offline_qr"],
                                               "purpose": "复核"},
                       headers=_bearer(token)).status_code == 200
    uses = _wallet_uses(full_app, licence["holder"]["number"])
    assert [(u["purpose"], u["staff"], u["staff_source"]) for u in uses] == [
        ("复核", None, None), ("现场检查", "执法-12", "stated_by_department")]
    stored, entries = _stored(full_app, licence["identifier"])
    assert sorted((r.staff, r.staff_source) for r in stored if r.staff) == [
        ("执法-12", "stated_by_department")]
    stated = [e for e in entries if "执法-12" in str(e.data)]
    assert len(stated) == 1
    # The audit trail names the department system as the actor; the name is its statement.
    assert stated[0].actor == f"client:{inspector.client_id}"
    assert stated[0].data["staff"] == {"name": "执法-12", "source": "stated_by_department"}


def test_anonymous_verification_records_nothing(full_app, issued):
    licence, _ = issued
    client = full_app.test_client()
    for text in (licence["sd_jwt"], licence["offline_qr"], licence["links"]["reference_url"]):
        response = client.post("/api/v1/verify", json={"credential": text, "purpose": "随便写"},
                               headers={"X-Onegate-Staff": "王五"})
        assert response.status_code == 200 and response.get_json()["status"] == "valid"
    page = client.get(licence["links"]["reference_url"].removeprefix("http://localhost"))
    assert page.status_code == 200
    assert _stored(full_app, licence["identifier"]) == ([], [])
    assert _wallet_uses(full_app, licence["holder"]["number"]) == []


@pytest.mark.parametrize(("purpose", "reason"), [
    (None, "required"), ("  ", "required"), (7, "not_text"), ("由" * 201, "too_long"),
    ("a\u202eb", "control_characters"), ("a\nb", "control_characters")])
def test_department_purpose_is_validated_before_anything_is_recorded(full_app, issued, purpose,
                                                                     reason):
    licence, inspector = issued
    token = mint(full_app, client_id=inspector.client_id, scope=VERIFY_SCOPE)
    response = full_app.test_client().post(
        "/api/v1/verify", json={"credential": licence["sd_jwt"], "purpose": purpose},
        headers=_bearer(token))
    assert response.status_code == 400
    assert [(e["field"], e["reason"]) for e in response.get_json()["errors"]] == \
        [("purpose", reason)]
    assert _stored(full_app, licence["identifier"]) == ([], [])


def test_openapi_says_who_records_and_how_uses_label_staff(vapp):
    doc = vapp.test_client().get("/api/v1/openapi.json").get_json()
    verify = doc["paths"]["/api/v1/verify"]["post"]
    assert {"403", "429", "503"} <= set(verify["responses"])
    assert "insufficient_scope" in verify["responses"]["403"]["description"]
    assert {"verifierToken": [VERIFY_SCOPE]} in verify["security"]
    flows = doc["components"]["securitySchemes"]["verifierToken"]["flows"]
    assert VERIFY_SCOPE in flows["clientCredentials"]["scopes"]
    use = doc["components"]["schemas"]["Use"]["properties"]
    assert use["staff_source"]["enum"] == ["stated_by_department", "verified_clerk", None]


@pytest.fixture
def own_database_app(tmp_path):
    """An app on a database of its own: demo data prints its logins only once per
    database, and tests/admin/test_demo.py needs to see them in the shared one."""
    from admin import bootstrap
    from admin.app import create_app
    from tests import conftest, pg

    if conftest.BACKEND == "postgresql":
        url, drop = pg.create_database(os.environ.get(
            "ONEGATE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    else:
        url, drop = f"sqlite:///{tmp_path / 'own.db'}", lambda: None
    (tmp_path / "instance").mkdir()
    app = create_app(conftest.test_settings(url), instance_path=tmp_path / "instance")
    bootstrap.initialise(app)
    yield app
    app.services.engine.dispose()
    drop()


def test_demo_department_system_records_through_the_real_token_endpoint(own_database_app):
    """`init --demo` registers demo-dept-gdamr with licenses:verify: its
    client_credentials token from /oauth/token records a use the holder sees."""
    app = own_database_app
    import json
    from pathlib import Path

    from click.testing import CliRunner

    from admin.cli import cli
    from credentials.demo import BUSINESS_LICENCE
    from credentials.models import Licence

    with app.app_context():
        assert CliRunner().invoke(cli, ["init", "--demo"]).exit_code == 0
    logins = json.loads((Path(app.config["ONEGATE"]["INSTANCE_PATH"]) /
                         "demo-logins.json").read_text())
    client = app.test_client()
    grant = client.post("/oauth/token", data={"grant_type": "client_credentials",
                                              "scope": VERIFY_SCOPE},
                        auth=("demo-dept-gdamr", logins["demo-dept-gdamr"]))
    assert grant.status_code == 200, grant.get_json()
    with app.services.sessions() as session:
        licence = session.scalars(select(Licence).where(
            Licence.type_code == BUSINESS_LICENCE.code)).first()
    response = client.post("/api/v1/verify",
                           json={"credential": licence.offline_qr, "purpose": "演示核验"},
                           headers=_bearer(grant.get_json()["access_token"]))
    assert response.status_code == 200, response.get_json()
    stored, entries = _stored(app, licence.identifier)
    assert [(r.client_id, r.holder_code, r.purpose) for r in stored] == [
        ("demo-dept-gdamr", licence.holder_number, "演示核验")]
    assert [e.actor for e in entries] == ["client:demo-dept-gdamr"]


def test_uses_name_the_department_or_hall_never_only_the_client_id(full_app, issued, unique):
    """The holder's list carries the department's name for a department system, the
    registered name for any other client (a hall), and null for a client that is no
    longer registered; the wallet shows the name, never the id."""
    from tests.idp.protocol.helpers import register
    from verify import uses as use_records

    licence, inspector = issued
    hall = register(full_app, unique, name=f"天河区政务服务中心 {unique}")
    number = licence["holder"]["number"]
    with full_app.services.sessions.begin() as session:
        use_records.record_many(session, [
            use_records.Use(kind, client_id, None, licence["identifier"], number, purpose)
            for kind, client_id, purpose in (
                ("verify", inspector.client_id, "现场检查"),
                ("retrieve", hall["client_id"], "窗口办件"),
                ("retrieve", "gone-" + unique, "旧系统"))])
    uses = {u["purpose"]: u for u in _wallet_uses(full_app, number)}
    assert uses["现场检查"]["client_name"] == f"测试厅 {unique}i"
    assert uses["窗口办件"]["client_name"] == f"天河区政务服务中心 {unique}"
    assert uses["旧系统"]["client_name"] is None
    assert uses["旧系统"]["client_id"] == "gone-" + unique  # still there for integrators


def test_wallet_script_shows_names_not_client_ids():
    from pathlib import Path

    script = (Path(__file__).resolve().parents[2]
              / "credentials/static/credentials/wallet.js").read_text(encoding="utf-8")
    assert "use.client_name" in script
    assert "use.client_id" not in script
