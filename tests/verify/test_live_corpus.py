"""The corpus, built in the real catalogue, verified through `onegate serve` (gunicorn,
two threaded workers) by the API, the page, the QR image upload and the offline CLI
with a bundle fetched from that server. All must agree with the expected verdict.

Every verification of our own licences reads status lists in process (no HTTP from
the server to itself, which could deadlock a worker); this test would hang if it did.
"""

from __future__ import annotations

import json
import re
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import requests
from click.testing import CliRunner

import keys
from credentials import catalogue
from credentials.formats import base45, inflate, qr_image
from credentials.signing import LicenceFacts, issue_offline, issue_sd_jwt
from identifiers import make_license_id
from tests.credentials.helpers import make_department
from tests.verify.corpus import Key
from verify.cli import verify_command

pytestmark = pytest.mark.live

EXPECTED = {
    "valid": "valid", "expired": "expired", "not_yet_valid": "not_yet_valid",
    "suspended": "suspended", "revoked": "revoked", "tampered": "invalid",
    "revoked_key": "invalid", "untrusted_issuer": "untrusted", "wrong_type": "untrusted",
    "malformed": "invalid",
}


def _token(app, base: str, client_id: str, scope: str) -> str:
    now = int(time.time())
    claims = {"iss": base, "aud": [base + "/api"], "sub": client_id, "client_id": client_id,
              "scope": scope, "jti": uuid.uuid4().hex, "iat": now, "exp": now + 300}
    return app.services.keyring.sign_jwt("provider", "ES256", claims,
                                                      headers={"typ": "at+jwt"})


def _issue(app, base: str, dept, action: str | None = None) -> dict:
    headers = {"Authorization": "Bearer " + _token(app, base, dept.client_id,
                                                   f"licenses:issue:{dept.type_code}")}
    response = requests.post(base + "/api/v1/licenses", json=dept.body(), headers=headers,
                             timeout=10)
    assert response.status_code == 201, response.text
    licence = response.json()
    if action:
        changed = requests.post(f"{base}/api/v1/licenses/{licence['identifier']}/{action}",
                                json={"reason": "测试"}, headers=headers, timeout=10)
        assert changed.status_code == 200, changed.text
    return licence


def _signed(app, base: str, dept, *, type_code: str | None = None, signer=None,
            department_code: str | None = None, days: tuple[int, int] = (-1, 365),
            status: dict) -> dict:
    """Both forms signed directly (what the API refuses to issue: past or future windows,
    another department's type, an unknown issuer)."""
    with app.services.sessions() as session:
        licence_type = catalogue.get_type(session, type_code or dept.type_code)
    now = datetime.now(UTC)
    identifier = str(make_license_id(licence_type.code, dept.uscc,
                                     "T" + secrets.token_hex(5).upper(), 1))
    facts = LicenceFacts(identifier=identifier, type_code=licence_type.code,
                         type_name=licence_type.name_zh, holder_code_type="111",
                         holder_number=dept.holder()["number"], holder_name="李四",
                         claims={"permit_number": "TP123456", "category": "甲类"},
                         valid_from=now + timedelta(days=days[0]),
                         valid_until=now + timedelta(days=days[1]),
                         status_idx=status["idx"], status_uri=status["uri"])
    signer = signer or app.services.keyring.signer(keys.department(dept.code),
                                                                "ES256")
    where = {"issuer": base, "department_code": department_code or dept.code,
             "iat": int(now.timestamp()) - 86400 * 400 if days[1] < 0 else int(now.timestamp())}
    return {"sd_jwt": issue_sd_jwt(facts, licence_type, signer, **where),
            "offline_qr": issue_offline(facts, licence_type, signer, **where)}


def _tampered(licence: dict) -> dict:
    jwt_part, *rest = licence["sd_jwt"].split("~")
    header, payload, signature = jwt_part.split(".")
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    raw = bytearray(inflate.decompress(base45.decode(licence["offline_qr"][5:]),
                                       max_size=1 << 16))
    at = raw.find(b"TP")
    raw[at + 2] = ord("9") if raw[at + 2] != ord("9") else ord("8")
    return {"sd_jwt": "~".join([f"{header}.{flipped}.{signature}", *rest]),
            "offline_qr": "LIC1:" + base45.encode(inflate.compress(bytes(raw)))}


@pytest.fixture(scope="module")
def live_corpus(migrated, live_server, tmp_path_factory):
    from admin.app import create_app
    from tests.conftest import test_settings

    app = create_app(test_settings(migrated, ISSUER=live_server.url),
                     instance_path=tmp_path_factory.mktemp("corpus"))
    base, unique = live_server.url, secrets.token_hex(4)
    dept, other = make_department(app, unique), make_department(app, unique[::-1])
    doomed = make_department(app, unique[:4] + "k" + unique[4:7])
    cases = {"valid": _issue(app, base, dept), "suspended": _issue(app, base, dept, "suspend"),
             "revoked": _issue(app, base, dept, "revoke")}
    status = cases["valid"]["status"]
    cases["expired"] = _signed(app, base, dept, days=(-400, -1), status=status)
    cases["not_yet_valid"] = _signed(app, base, dept, days=(2, 365), status=status)
    cases["tampered"] = _tampered(cases["valid"])
    cases["wrong_type"] = _signed(app, base, dept, type_code=other.type_code, status=status)
    rogue = Key.new()
    # The offline form's status URI is <issuer URL>/status/<list id>, the issuer's own.
    nobody_status = {**status, "uri": status["uri"].replace(f"/issuers/{dept.code}/",
                                                            "/issuers/nobody/")}
    cases["untrusted_issuer"] = _signed(
        app, base, dept, department_code="nobody", status=nobody_status,
        signer=SimpleNamespace(private_key=rogue.private, kid=rogue.kid, alg="ES256"))
    cases["revoked_key"] = _issue(app, base, doomed)
    ring = app.services.keyring
    ring.revoke(ring.signer(keys.department(doomed.code), "ES256").kid)
    cases["malformed"] = {form: text[:60] for form, text in cases["valid"].items()
                          if form in ("sd_jwt", "offline_qr")}
    time.sleep(0.1)
    yield cases
    app.services.engine.dispose()


def _api(base: str, text: str) -> str:
    response = requests.post(base + "/api/v1/verify", json={"credential": text}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["status"]


def _page(base: str, text: str) -> str:
    with requests.Session() as browser:
        form = browser.get(base + "/verify", timeout=10).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        html = browser.post(base + "/verify", data={"credential": text, "csrf_token": csrf},
                            headers={"Referer": base + "/verify"}, timeout=10).text
    return re.search(r'data-status="([a-z_]+)"', html).group(1)


def _image(base: str, text: str) -> str:
    png = qr_image.render(text, max_version=40).png
    response = requests.post(base + "/api/v1/verify", files={"image": ("qr.png", png)},
                             timeout=20)
    assert response.status_code == 200, response.text
    return response.json()["status"]


def test_four_ways_agree_through_the_live_server(live_server, live_corpus, tmp_path):
    base = live_server.url
    bundle = tmp_path / "bundle.json"
    fetched = requests.get(base + "/api/v1/offline-bundle?format=json", timeout=20)
    assert fetched.status_code == 200, fetched.text
    bundle.write_text(json.dumps(fetched.json()))
    disagreements = []
    for case, expected in EXPECTED.items():
        for form in ("sd_jwt", "offline_qr"):
            text = live_corpus[case][form]
            cli = CliRunner().invoke(verify_command, [text, "--bundle", str(bundle), "--json"])
            got = {"api": _api(base, text), "page": _page(base, text),
                   "cli": json.loads(cli.output)["status"]}
            if form == "offline_qr" and case != "malformed":
                got["image"] = _image(base, text)
            if set(got.values()) != {expected}:
                disagreements.append((case, form, got))
    assert disagreements == []


def test_reference_url_and_concurrent_verifications(live_server, live_corpus):
    """Many verifications at once over both workers: none hangs or fails."""
    from concurrent.futures import ThreadPoolExecutor

    base = live_server.url
    reference = live_corpus["suspended"]["links"]["reference_url"]
    assert _api(base, reference) == "suspended"
    texts = [live_corpus[c]["sd_jwt"] for c in ("valid", "suspended", "revoked")] * 8
    with ThreadPoolExecutor(12) as pool:
        verdicts = list(pool.map(lambda t: _api(base, t), texts))
    assert verdicts == ["valid", "suspended", "revoked"] * 8
