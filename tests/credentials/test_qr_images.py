"""Every QR image decodes with zxing-cpp back to exactly the encoded text."""

from __future__ import annotations

import importlib
import io
import re

from PIL import Image

from credentials.models import QrImage
from tests.credentials.conftest import count
from tests.credentials.helpers import dept_headers

zxingcpp = importlib.import_module("zxingcpp")


def decode_png(data: bytes) -> str:
    image = Image.open(io.BytesIO(data)).convert("L")
    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(results) == 1, "exactly one QR code"
    return results[0].text


def svg_to_image(svg: str) -> Image.Image:
    """Rasterise segno's SVG (one path of M/m moves and h runs) without our code."""
    width = int(re.search(r'width="(\d+)"', svg).group(1))
    scale = int(re.search(r"scale\((\d+)\)", svg).group(1))
    path = re.search(r' d="([^"]+)"', svg).group(1)
    size = width // scale
    image = Image.new("L", (size, size), 255)
    x = y = 0.0
    for op, a, b in re.findall(r"([MmHh])(-?[\d.]+)(?:[ ,](-?[\d.]+))?", path):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            run = float(a)
            for col in range(int(x), int(x + run)):
                image.putpixel((col, int(y)), 0)
            x += run
    return image.resize((size * 4, size * 4), Image.NEAREST)


def test_png_and_svg_decode_to_the_text(client, app, dept):
    h = dept_headers(app, dept)
    licence = client.post("/api/v1/licenses", json=dept.body(), headers=h).get_json()
    links = {k: v.removeprefix("http://localhost") for k, v in licence["links"].items()}
    expected = {"qr_png": licence["offline_qr"], "reference_qr_png": licence["links"][
        "reference_url"]}
    for link, text in expected.items():
        response = client.get(links[link], headers=h)
        assert response.status_code == 200 and response.mimetype == "image/png"
        assert decode_png(response.data) == text
    for link, text in {"qr_svg": licence["offline_qr"],
                       "reference_qr_svg": licence["links"]["reference_url"]}.items():
        response = client.get(links[link], headers=h)
        assert response.mimetype == "image/svg+xml"
        results = zxingcpp.read_barcodes(svg_to_image(response.get_data(as_text=True)),
                                          formats=zxingcpp.BarcodeFormat.QRCode)
        assert [r.text for r in results] == [text]
    # The offline form is rendered once and stored; the reference form (it carries the
    # secret token) never is (tests/credentials/test_reference_secrets.py).
    assert count(app, QrImage, identifier=licence["identifier"]) == 1
    for link in ("qr_png", "reference_qr_png"):
        assert client.get(links[link], headers=h).data == client.get(links[link],
                                                                      headers=h).data


def test_offline_qr_is_alphanumeric_and_small(client, app, dept):
    from credentials.formats import qr_image

    licence = client.post("/api/v1/licenses", json=dept.body(),
                          headers=dept_headers(app, dept)).get_json()
    rendered = qr_image.render(licence["offline_qr"])
    assert rendered.mode == "alphanumeric" and rendered.version <= 20


def test_images_need_a_token(client, app, dept):
    licence = client.post("/api/v1/licenses", json=dept.body(),
                          headers=dept_headers(app, dept)).get_json()
    assert client.get(licence["links"]["qr_png"].removeprefix("http://localhost")
                      ).status_code == 401
