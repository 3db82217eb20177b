"""A 代办 token at the licence APIs: the clerk retrieves the citizen's licences of the
agreed type, every use is recorded with the clerk's verified identity and station
(never a typed name), and the citizen's list of uses says "由 XX 村服务站 王五 代办"."""

from __future__ import annotations

import time
import uuid

from tests.idp.device.helpers import signed_in_phone
from tests.idp.mandates.helpers import (
    answer,
    clerk,
    exchange,
    start,
    station,
    token_for,
    village,
)
from tests.verify.corpus import FOOD_TYPE, MARRIAGE_TYPE
from tests.verify.test_reuse import add_licence

READ = "licenses:read:" + FOOD_TYPE


def _wallet_token(app, citizen: dict) -> str:
    now = int(time.time())
    base = app.config["ONEGATE"]["ISSUER"]
    return app.services.keyring.sign_jwt("provider", "ES256", {
        "iss": base, "aud": [base + "/api"], "sub": citizen["sub"], "client_id": "onegate-wallet",
        "iat": now, "exp": now + 300, "jti": uuid.uuid4().hex, "scope": "openid wallet identity",
        "cn_id_number": citizen["id_number"]}, headers={"typ": "at+jwt"})


def _daiban_token(app, client, phone, unique) -> tuple[str, dict, dict]:
    hall = village(app, unique, name=f"石门村服务站 {unique}")
    reg = station(app, unique, hall, scopes=["openid", "identity", READ,
                                             "licenses:read:" + MARRIAGE_TYPE])
    wang = clerk(app, hall)
    actor = token_for(app, wang, reg)
    started = start(client, reg, actor, scope=f"openid identity {READ}",
                    matter="个体工商户变更登记").get_json()
    citizen = signed_in_phone(app, phone, unique)
    assert answer(phone, started["user_code"], "allow").status_code == 200
    body = exchange(client, reg, started["mandate_reference"], actor).get_json()
    return body["access_token"], citizen, wang


def test_uses_under_a_mandate_name_the_verified_clerk_and_station(app, client, phone, unique):
    token, citizen, wang = _daiban_token(app, client, phone, unique)
    identifier = add_licence(app, citizen["id_number"], FOOD_TYPE, unique.upper() + "0001")
    got = client.get("/api/v1/holder/licenses", query_string={"purpose": "个体工商户变更登记"},
                     headers={"Authorization": f"Bearer {token}",
                              # a typed name cannot replace the verified clerk
                              "X-Onegate-Staff": "%E6%9D%8E%E5%9B%9B"})
    assert got.status_code == 200, got.get_data(as_text=True)
    assert [lic["identifier"] for lic in got.get_json()["licenses"]] == [identifier]

    listed = client.get("/api/v1/wallet/uses",
                        headers={"Authorization": f"Bearer {_wallet_token(app, citizen)}"})
    use = listed.get_json()["uses"][0]
    assert use["staff"] == "王五" and use["staff_source"] == "verified_clerk"
    assert use["station"] == f"石门村服务站 {unique}"
    assert use["licence_identifier"] == identifier and use["kind"] == "retrieve"

    from verify import uses

    with app.idp_services.work() as session:
        record = uses.for_licence(session, identifier)[0]
    assert record["actor_sub"] == wang["sub"] and record["staff_source"] == "verified_clerk"


def test_a_daiban_token_reads_only_the_agreed_licence_type(app, client, phone, unique):
    token, citizen, _ = _daiban_token(app, client, phone, unique)
    add_licence(app, citizen["id_number"], MARRIAGE_TYPE, unique.upper() + "0002")
    got = client.get("/api/v1/holder/licenses", query_string={"purpose": "变更登记"},
                     headers={"Authorization": f"Bearer {token}"})
    assert got.status_code == 200 and got.get_json()["types"] == [FOOD_TYPE]
    assert got.get_json()["licenses"] == []
