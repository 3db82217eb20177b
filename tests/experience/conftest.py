"""One small world on a live `onegate serve`, shared by a module's page tests: a person
with three licences (valid, suspended, revoked) of a department's type, a hall they
consented to and that retrieved a licence, the wallet client pointed at the server."""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass

import pytest

from tests import conftest


@dataclass
class World:
    base: str
    app: object
    person: dict
    dept: object
    hall: dict
    licences: dict  # state -> the issuance response body
    #: A legal representative of an enterprise, apart from ``person`` (being one adds a
    #: choice step at the wallet's sign-in): their account page offers the agent form.
    representative: dict | None = None
    #: Data a page may show as issued or registered (names, claim titles and values,
    #: the use's purpose and staff): Chinese on an English page too.
    data: tuple[str, ...] = ()


#: The issuer's public note on the suspended and revoked licences (issued data: Chinese
#: on an English page too), long so that the verdict must wrap to fit.
PUBLIC_NOTE = "依据行政处罚决定书" * 10


def mint(app, issuer: str, *, client_id: str, scope: str) -> str:
    """A client_credentials access token of the server's provider (RFC 9068)."""
    now = int(time.time())
    body = {"iss": issuer, "aud": [issuer + "/api"], "scope": scope, "client_id": client_id,
            "sub": client_id, "jti": uuid.uuid4().hex, "iat": now, "exp": now + 300}
    with app.app_context():
        return app.services.keyring.sign_jwt("provider", "ES256", body,
                                             headers={"typ": "at+jwt"})


def _issued(world_app, base: str, dept, number: str) -> dict:
    headers = {"Authorization": "Bearer " + mint(world_app, base, client_id=dept.client_id,
                                                 scope=f"licenses:issue:{dept.type_code}")}
    client = world_app.test_client()
    found = {}
    for state in ("valid", "suspended", "revoked"):
        body = dept.body(holder={"code_type": "111", "number": number, "name": "陈小红"})
        response = client.post("/api/v1/licenses", json=body, headers=headers)
        assert response.status_code == 201, response.get_json()
        found[state] = response.get_json()
        if state != "valid":
            action = {"suspended": "suspend", "revoked": "revoke"}[state]
            # With a public reason and a long note: the verdict shows both, and must fit.
            public = {"suspended": "under_review", "revoked": "revoked_by_authority"}[state]
            changed = client.post(f"/api/v1/licenses/{found[state]['identifier']}/{action}",
                                  json={"reason": "核查发现许可条件不再满足",
                                        "public_reason": public,
                                        "public_note": PUBLIC_NOTE},
                                  headers=headers)
            assert changed.status_code == 200, changed.get_json()
    return found


def _hall_with_consent_and_use(world_app, person: dict, unique: str, licence: str) -> dict:
    from idp import consent
    from tests.idp.protocol.helpers import register
    from verify import uses

    hall = register(world_app, unique, name=f"天河区政务服务中心 {unique}")
    with world_app.services.sessions.begin() as session:
        consent.record(session, person["sub"], hall["client_id"], ["openid", "identity"])
        uses.record(session, uses.Use("retrieve", hall["client_id"], "窗口-03", licence,
                                      person["id_number"], "办理个体工商户变更登记"))
    return hall


@pytest.fixture(scope="module")
def world(migrated, live_server, tmp_path_factory) -> World:
    from admin.app import create_app
    from admin.bootstrap import ensure_wallet_client
    from tests.credentials.helpers import make_department
    from tests.idp.accounts.factories import make_person

    base = live_server.url
    world_app = create_app(conftest.test_settings(migrated, ISSUER=base),
                           instance_path=tmp_path_factory.mktemp("world"))
    ensure_wallet_client(world_app)
    unique = str(secrets.randbelow(10**8)).zfill(8)  # digits: no Latin letters in names
    person = make_person(world_app, unique, display_name="陈小红")
    dept = make_department(world_app, unique)
    licences = _issued(world_app, base, dept, person["id_number"])
    hall = _hall_with_consent_and_use(world_app, person, unique,
                                      licences["valid"]["identifier"])
    from tests.credentials.helpers import TEST_SCHEMA
    from tests.idp.representation.helpers import link, make_enterprise

    representative = make_person(world_app, unique + "1", display_name="李大明")
    company = make_enterprise(world_app, unique, f"岭南科技有限公司 {unique}")
    link(world_app, company, representative, "legal")

    claims = licences["valid"]["claims"]
    data = ("陈小红", "李大明", f"岭南科技有限公司 {unique}", f"天河区政务服务中心 {unique}",
            f"测试厅 {unique}", "测试许可证",
            "电子证照钱包", "办理个体工商户变更登记", "窗口-03", "居民身份证", PUBLIC_NOTE,
            *(p["title"] for p in TEST_SCHEMA["properties"].values()),
            *(str(v) for v in claims.values()))
    yield World(base, world_app, person, dept, hall, licences, representative,
                tuple(sorted(data, key=len, reverse=True)))
    world_app.services.engine.dispose()


def login(page, person: dict) -> None:
    """Fill the provider's login form in either language and submit it."""
    from tests.idp.accounts.factories import PASSWORD

    page.locator("input[name=login]").fill(person["username"])
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
