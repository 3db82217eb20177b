"""Licences issued, suspended and revoked through the credentials API, then verified
four ways - API (text), page, offline CLI with a fetched bundle, QR image - against
the real catalogue, key rings and status lists. All four must agree."""

from __future__ import annotations

import io
import json
import re

import pytest
from click.testing import CliRunner

from credentials.formats import qr_image
from tests.credentials.helpers import dept_headers, make_department
from tests.verify.test_pages import _csrf
from verify.cli import verify_command


@pytest.fixture
def issued(full_app, unique):
    dept = make_department(full_app, unique)
    client = full_app.test_client()
    licences = {}
    for state in ("valid", "suspended", "revoked", "wrong_key"):
        response = client.post("/api/v1/licenses", json=dept.body(),
                               headers=dept_headers(full_app, dept))
        assert response.status_code == 201, response.get_json()
        licences[state] = response.get_json()
    for state, action in (("suspended", "suspend"), ("revoked", "revoke")):
        path = f"/api/v1/licenses/{licences[state]['identifier']}/{action}"
        response = client.post(path, json={"reason": "测试"}, headers=dept_headers(full_app, dept))
        assert response.status_code == 200, response.get_json()
    return dept, licences


def _api(client, text):
    return client.post("/api/v1/verify", json={"credential": text}).get_json()["status"]


def _image(client, text):
    png = qr_image.render(text, max_version=40).png
    response = client.post("/api/v1/verify", data={"image": (io.BytesIO(png), "qr.png")},
                           content_type="multipart/form-data")
    return response.get_json()["status"]


def _page(client, text):
    html = client.post("/verify", data={"credential": text, "csrf_token": _csrf(client)}
                       ).get_data(as_text=True)
    return re.search(r'data-status="([a-z_]+)"', html).group(1)


def test_four_ways_agree_on_issued_licences(full_app, issued, tmp_path):
    dept, licences = issued
    client = full_app.test_client()
    bundle = tmp_path / "bundle.json"
    bundle.write_text(json.dumps(client.get("/api/v1/offline-bundle?format=json").get_json()))
    expected = {"valid": "valid", "suspended": "suspended", "revoked": "revoked"}
    for state, status in expected.items():
        lic = licences[state]
        for text in (lic["sd_jwt"], lic["offline_qr"]):
            cli = json.loads(CliRunner().invoke(
                verify_command, [text, "--bundle", str(bundle), "--json"]).output)["status"]
            assert (state, _api(client, text), _page(client, text), cli) == \
                (state, status, status, status)
        assert _image(client, lic["offline_qr"]) == status
        reference = lic["links"]["reference_url"]
        assert _api(client, reference) == status
        page = client.get(reference.removeprefix(full_app.config["ONEGATE"]["ISSUER"]))
        assert re.search(r'data-status="([a-z_]+)"', page.get_data(as_text=True)).group(1) \
            == status


def test_revoked_department_key_and_untrusted_type(full_app, issued):
    dept, licences = issued
    client = full_app.test_client()
    lic = licences["wrong_key"]
    assert _api(client, lic["sd_jwt"]) == "valid"
    ring = full_app.services.keyring
    import keys

    kid = ring.signer(keys.department(dept.code), "ES256").kid
    ring.revoke(kid)

    full_app.verify_services.trust.refresh()
    assert _api(client, lic["sd_jwt"]) == "invalid"
    assert _api(client, lic["offline_qr"]) == "invalid"


def test_trust_list_names_the_department_and_its_type(full_app, issued):
    dept, _ = issued
    body = full_app.test_client().get("/api/v1/trust-list?format=json").get_json()
    mine = [i for i in body["issuers"] if i["code"] == dept.code]
    assert mine and mine[0]["licence_types"] == [dept.type_code]
    assert mine[0]["uscc"] == dept.uscc and mine[0]["jwks"]["keys"]
