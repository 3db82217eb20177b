"""The wallet API: the holder's licences, identity from the token, presentations."""

from __future__ import annotations

import base64
import json

from tests.credentials.helpers import dept_headers, wallet_headers


def issue_to(client, app, dept, number):
    body = dept.body(holder={"code_type": "111", "number": number, "name": "王五"})
    response = client.post("/api/v1/licenses", json=body, headers=dept_headers(app, dept))
    assert response.status_code == 201
    return response.get_json()


def test_holder_sees_own_licences_with_status(client, app, dept):
    number = dept.holder()["number"]
    mine = issue_to(client, app, dept, number)
    other = issue_to(client, app, dept, dept.holder()["number"])
    client.post(f"/api/v1/licenses/{mine['identifier']}/suspend", json={"reason": "x"},
                headers=dept_headers(app, dept))
    h = wallet_headers(app, number)
    listing = client.get("/api/v1/wallet/licenses", headers=h).get_json()["licenses"]
    assert [item["identifier"] for item in listing] == [mine["identifier"]]
    assert listing[0]["state"] == "suspended" and listing[0]["type_name"] == "测试许可证"
    one = client.get(f"/api/v1/wallet/licenses/{mine['identifier']}", headers=h).get_json()
    assert one["state"] == "suspended" and set(one["disclosable"]) == {"holder_id", "address",
                                                                       "note"}
    assert client.get(f"/api/v1/wallet/licenses/{other['identifier']}",
                      headers=h).status_code == 404
    # The holder may fetch their own QR image, not someone else's.
    assert client.get(f"/api/v1/licenses/{mine['identifier']}/qr.png",
                      headers=h).status_code == 200
    assert client.get(f"/api/v1/licenses/{other['identifier']}/qr.png",
                      headers=h).status_code == 403


def test_identity_scope_needed(client, app):
    h = wallet_headers(app, "", scope="openid wallet")
    response = client.get("/api/v1/wallet/licenses", headers=h)
    assert response.status_code == 403
    assert response.get_json()["errors"] == [{"field": "scope", "reason": "identity_required"}]
    assert "identity" in response.get_json()["detail"]
    no_wallet = wallet_headers(app, "11010519491231002X", scope="openid identity")
    assert client.get("/api/v1/wallet/licenses", headers=no_wallet).status_code == 403


def test_presentation_discloses_only_the_chosen(client, app, dept):
    number = dept.holder()["number"]
    licence = issue_to(client, app, dept, number)
    h = wallet_headers(app, number)
    path = f"/api/v1/wallet/licenses/{licence['identifier']}/present"
    result = client.post(path, json={"disclose": ["address"]}, headers=h).get_json()
    issuer_jwt, *disclosures, last = result["presentation"].split("~")
    assert issuer_jwt == licence["sd_jwt"].split("~")[0] and last == ""
    names = [json.loads(base64.urlsafe_b64decode(d + "=" * (-len(d) % 4)))[1]
             for d in disclosures]
    assert names == ["address"]
    assert result["qr_png"] is None or result["qr_png"].startswith("data:image/png;base64,")
    bad = client.post(path, json={"disclose": ["permit_number", 5]}, headers=h)
    assert bad.status_code == 422
    bad = client.post(path, json={"disclose": ["permit_number"]}, headers=h)
    assert bad.status_code == 422
    assert bad.get_json()["errors"] == [{"field": "disclose[0]", "reason": "not_disclosable"}]


def test_wallet_pages_have_no_inline_code(client):
    for path in ("/wallet", "/wallet/callback", "/wallet/l/x", "/wallet/l/x/present",
                 "/wallet/l/x/print"):
        response = client.get(path)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert 'lang="zh-CN"' in html
        assert "<script>" not in html and "<style" not in html and " style=" not in html
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert client.get("/wallet/static/credentials/wallet.js").status_code == 200
    assert client.get("/wallet/static/credentials/wallet.css").status_code == 200


def test_wallet_client_spec():
    from credentials.wallet import register_client_spec

    spec = register_client_spec("https://gov.example")
    assert spec["client_id"] == "onegate-wallet" and spec["auth_method"] == "none"
    assert spec["redirect_uris"] == ["https://gov.example/wallet/callback"]
    assert {"wallet", "identity", "openid"} <= set(spec["scopes"])
