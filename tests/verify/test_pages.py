"""The verifier page without script (server-rendered forms) and the reference page."""

from __future__ import annotations

import io
import re

from credentials.formats import qr_image
from tests.verify.corpus import CASES


def _csrf(client):
    page = client.get("/verify").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    return found.group(1) if found else ""


def _status(html: str) -> str:
    return re.search(r'data-status="([a-z_]+)"', html).group(1)


def test_page_serves_chinese_and_no_inline_script(vapp):
    response = vapp.test_client().get("/verify")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'lang="zh-CN"' in html and "电子证照核验" in html
    assert 'aria-live="polite"' in html
    assert re.findall(r"<script(?![^>]*(src=|application/json))", html) == []
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    js = vapp.test_client().get("/static/verify/vendor/jsQR.js")
    assert js.status_code == 200 and b"Apache License 2.0" in js.data[:300]


def test_page_forms_agree_with_the_corpus(corpus_app, corpus):
    client = corpus_app.test_client()
    token = _csrf(client)
    for case, expected in CASES.items():
        html = client.post("/verify", data={"csrf_token": token,
                                            "credential": corpus.case(case, "sd_jwt")})
        assert _status(html.get_data(as_text=True)) == expected, case
        png = qr_image.render(corpus.case(case, "offline"), max_version=40).png
        html = client.post("/verify", data={"csrf_token": token,
                                            "image": (io.BytesIO(png), "qr.png")},
                           content_type="multipart/form-data")
        assert _status(html.get_data(as_text=True)) == expected, case


def test_unknown_reference_is_an_invalid_page(vapp):
    response = vapp.test_client().get("/v/1.2.156.3005.2.X?t=nope")
    assert response.status_code == 404
    assert _status(response.get_data(as_text=True)) == "invalid"
    # The URL carries the reference token: no cache may keep the page under it.
    assert response.headers["Cache-Control"] == "no-store"


def test_page_shows_refusals_in_chinese_with_the_holder(corpus_app, corpus):
    client = corpus_app.test_client()
    for case, reason in (("revoked", "签发机构已吊销该证照"), ("expired", "证照已于"),
                         ("revoked_key", "签名密钥")):
        html = client.post("/verify", data={"csrf_token": _csrf(client),
                                            "credential": corpus.case(case, "sd_jwt")}
                           ).get_data(as_text=True)
        assert reason in html, case
        if case != "revoked_key":
            assert "被拒证照" in html and "张三" in html and "持证人" in html
            assert ">holder_name<" not in html
        else:  # no signature verified: nothing about the licence is shown
            region = html.split('id="result"')[1].split('id="scan-title"')[0]
            assert "被拒证照" not in region and "张三" not in region


def test_foreign_reference_pasted_on_the_page_is_refused(corpus_app):
    client = corpus_app.test_client()
    html = client.post("/verify", data={"csrf_token": _csrf(client),
                                        "credential": "http://evil.example/v/1.2.3?t=x"}
                       ).get_data(as_text=True)
    assert _status(html) == "invalid"
