"""POST /api/v1/verify on the corpus (text and image), bad input, limits."""

from __future__ import annotations

import io

import pytest

from credentials.formats import qr_image
from tests.verify.conftest import install_corpus
from tests.verify.corpus import CASES

FORMS = ("sd_jwt", "offline")


def _verify(client, text, **extra):
    return client.post("/api/v1/verify", json={"credential": text, **extra})


@pytest.mark.parametrize("form", FORMS)
def test_api_agrees_with_the_corpus(corpus_app, corpus, form):
    client = corpus_app.test_client()
    for case, expected in CASES.items():
        response = _verify(client, corpus.case(case, form))
        assert response.status_code == 200, (case, response.json)
        body = response.json
        assert (case, body["status"], body["valid"]) == (case, expected, expected == "valid")
        assert {c["step"] for c in body["checks"]} >= {"parse", "signature", "status"}


def qr_png(text: str) -> bytes:
    return qr_image.render(text, max_version=40).png


def test_image_upload_agrees_with_the_corpus(corpus_app, corpus):
    client = corpus_app.test_client()
    for case, expected in CASES.items():
        text = corpus.case(case, "offline")
        response = client.post("/api/v1/verify", data={"image": (io.BytesIO(qr_png(text)),
                                                                  "qr.png")},
                               content_type="multipart/form-data")
        assert response.status_code == 200, (case, response.json)
        assert response.json["status"] == expected, case


@pytest.mark.parametrize(("kwargs", "status"), [
    ({"data": "not json", "content_type": "text/plain"}, 415),
    ({"data": "{bad json", "content_type": "application/json"}, 400),
    ({"json": ["credential"]}, 400),
    ({"json": {"credential": 5}}, 400),
    ({"json": {"credential": "x" * 70_000}}, 413),
    ({"data": {"image": (io.BytesIO(b"GIF89a not really"), "x.gif")},
      "content_type": "multipart/form-data"}, 415),
    ({"data": {"image": (io.BytesIO(b"%PDF-1.4"), "x.pdf")},
      "content_type": "multipart/form-data"}, 415),
    ({"data": {"other": "x"}, "content_type": "multipart/form-data"}, 400),
    ({"json": {"credential": "LIC1:ABC", "key_binding": "yes"}}, 400),
])
def test_bad_requests_are_problems(corpus_app, kwargs, status):
    response = corpus_app.test_client().post("/api/v1/verify", **kwargs)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == status


def test_image_without_a_qr_code_is_422(corpus_app):
    from PIL import Image

    blank = io.BytesIO()
    Image.new("L", (200, 200), 255).save(blank, "PNG")
    response = corpus_app.test_client().post(
        "/api/v1/verify", data={"image": (io.BytesIO(blank.getvalue()), "b.png")},
        content_type="multipart/form-data")
    assert response.status_code == 422


@pytest.mark.parametrize("text", ["", "garbage", "LIC1:" + "A" * 100, "a~b~c", "http://x/v/1?t=2",
                                  "eyJ0eXAiOiJkYytzZC1qd3QifQ.eyJ9.sig~", "\u0000\ud7ff" * 10])
def test_garbage_text_is_an_invalid_result(corpus_app, text):
    response = _verify(corpus_app.test_client(), text)
    assert response.status_code == 200
    assert response.json["status"] == "invalid"


def test_rate_limit_gives_429_with_retry_after(vapp, corpus):
    install_corpus(vapp, corpus, limit=3)
    client = vapp.test_client()
    codes = [_verify(client, "x").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = _verify(client, "x")
    assert int(response.headers["Retry-After"]) >= 1
    assert response.mimetype == "application/problem+json"
