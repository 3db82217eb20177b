"""Lifecycle changes are seen at once by the online verifier, in every worker.

Through `onegate serve` (gunicorn, two workers): issue, verify valid, change the
licence's state through the credentials API, then verify it again and again - every
answer, from whichever worker, must carry the new state (issue 4: "a change is
visible in a freshly fetched list at once"). A ttl cache in front of our own
database would answer "valid" for minutes, and differently per worker.
"""

from __future__ import annotations

import re
import secrets

import pytest
import requests

from tests.credentials.helpers import make_department
from tests.verify.test_live_corpus import _issue, _token

pytestmark = pytest.mark.live
REPEAT = 10


@pytest.fixture(scope="module")
def live(migrated, live_server, tmp_path_factory):
    from admin.app import create_app
    from tests.conftest import test_settings

    app = create_app(test_settings(migrated, ISSUER=live_server.url),
                     instance_path=tmp_path_factory.mktemp("status"))
    dept = make_department(app, secrets.token_hex(4))
    yield app, dept
    app.services.engine.dispose()


def _change(app, base: str, dept, identifier: str, action: str) -> None:
    headers = {"Authorization": "Bearer " + _token(app, base, dept.client_id,
                                                   f"licenses:issue:{dept.type_code}")}
    response = requests.post(f"{base}/api/v1/licenses/{identifier}/{action}",
                             json={"reason": "测试"}, headers=headers, timeout=10)
    assert response.status_code == 200, response.text


def _verdicts(base: str, text: str) -> list[dict]:
    bodies = []
    for _ in range(REPEAT):
        response = requests.post(base + "/api/v1/verify", json={"credential": text},
                                 timeout=10)
        assert response.status_code == 200, response.text
        bodies.append(response.json())
    return bodies


def _page(base: str, text: str) -> str:
    with requests.Session() as browser:
        form = browser.get(base + "/verify", timeout=10).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        return browser.post(base + "/verify", data={"credential": text, "csrf_token": csrf},
                            headers={"Referer": base + "/verify"}, timeout=10).text


def _status(html: str) -> str:
    return re.search(r'data-status="([a-z_]+)"', html).group(1)


def test_revocation_is_seen_at_once_by_every_worker(live_server, live):
    app, dept = live
    base = live_server.url
    licence = _issue(app, base, dept)
    for form in ("sd_jwt", "offline_qr"):
        assert {b["status"] for b in _verdicts(base, licence[form])} == {"valid"}
    _change(app, base, dept, licence["identifier"], "revoke")
    for form in ("sd_jwt", "offline_qr"):
        bodies = _verdicts(base, licence[form])
        assert [b["status"] for b in bodies] == ["revoked"] * REPEAT, form
        # The clerk sees whose licence was refused (the signature did verify).
        whose = bodies[0]["license"]
        assert whose["identifier"] == licence["identifier"]
        assert whose["holder_name"] == "李四" and whose["type_name"] == "测试许可证"
        assert "吊销" in bodies[0]["reason_zh"]
    html = _page(base, licence["sd_jwt"])
    assert _status(html) == "revoked"
    assert "李四" in html and licence["identifier"] in html and "被拒证照" in html


def test_suspension_and_reinstatement_are_seen_at_once(live_server, live):
    app, dept = live
    base = live_server.url
    licence = _issue(app, base, dept)
    assert {b["status"] for b in _verdicts(base, licence["sd_jwt"])} == {"valid"}
    _change(app, base, dept, licence["identifier"], "suspend")
    for form in ("sd_jwt", "offline_qr"):
        assert [b["status"] for b in _verdicts(base, licence[form])] == ["suspended"] * REPEAT
    assert _status(_page(base, licence["offline_qr"])) == "suspended"
    _change(app, base, dept, licence["identifier"], "reinstate")
    for form in ("sd_jwt", "offline_qr"):
        assert [b["status"] for b in _verdicts(base, licence[form])] == ["valid"] * REPEAT
    assert _status(_page(base, licence["sd_jwt"])) == "valid"


def test_page_shows_the_types_claim_titles_in_chinese(live_server, live):
    app, dept = live
    base = live_server.url
    licence = _issue(app, base, dept)
    html = _page(base, licence["sd_jwt"])
    assert _status(html) == "valid"
    for label in ("许可证编号", "类别", "持证人", "证件号码", "证件类型", "居民身份证"):
        assert label in html, label
    for raw in ("permit_number", "holder_id_type", ">category<"):
        assert f">{raw}<" not in html and raw.strip("><") + "</dt>" not in html, raw
    body = requests.post(base + "/api/v1/verify", json={"credential": licence["sd_jwt"]},
                         timeout=10).json()
    labels = {d["claim"]: d["label"] for d in body["license"]["display"]}
    assert labels["permit_number"] == "许可证编号" and labels["category"] == "类别"


def test_reference_url_on_another_host_is_refused(live_server, live):
    app, dept = live
    base = live_server.url
    licence = _issue(app, base, dept)
    reference = licence["links"]["reference_url"]
    assert requests.post(base + "/api/v1/verify", json={"credential": reference},
                         timeout=10).json()["status"] == "valid"
    forged = reference.replace(base, "http://evil.example")
    body = requests.post(base + "/api/v1/verify", json={"credential": forged},
                         timeout=10).json()
    assert (body["valid"], body["status"]) == (False, "invalid")
    assert "not on this service" in body["reason"] and body["license"] is None
