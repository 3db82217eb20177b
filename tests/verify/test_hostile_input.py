"""Hostile input on the verify and wallet JSON APIs: a result or a 4xx problem, never a 5xx.

Oversized bodies, wrong or missing content types, non-UTF-8, JSON nested deeper than
the parser recurses (it fits in the size cap), decompression-bomb images."""

from __future__ import annotations

import io
import struct
import zlib

import pytest

from tests.credentials.helpers import wallet_headers


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny file whose header claims width x height 1-bit pixels (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (1 + (width + 7) // 8) * 4)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", rows)
            + _chunk(b"IEND", b""))


def gif_claiming(width: int, height: int) -> bytes:
    return (b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00,"
            + struct.pack("<HHHH", 0, 0, width, height) + b"\x00\x02\x02\x44\x01\x00;")


def _image(data: bytes, name: str = "qr.png") -> dict:
    return {"data": {"image": (io.BytesIO(data), name)}, "content_type": "multipart/form-data"}


DEEP = "[" * 30_000 + "]" * 30_000
VERIFY_CASES = {
    "text/plain": ({"data": "x", "content_type": "text/plain"}, 415),
    "no content type": ({"data": b"\xff\xfe"}, 415),
    "non-UTF-8 JSON": ({"data": b'{"credential":"\xff\xfe"}',
                        "content_type": "application/json"}, 400),
    "deep JSON beside the credential": ({"data": '{"credential":"x","a":' + DEEP + "}",
                                         "content_type": "application/json"}, 400),
    "deep JSON alone": ({"data": DEEP[:20_000] + DEEP[-20_000:],
                         "content_type": "application/json"}, 400),
    "duplicate names": ({"data": '{"credential":"a","credential":"b"}',
                         "content_type": "application/json"}, 400),
    "over the app's body cap": ({"data": b"{" + b" " * (9 << 20) + b"}",
                                 "content_type": "application/json"}, 413),
    "credential too long": ({"json": {"credential": "x" * (1 << 20)}}, 413),
    "credential not text": ({"json": {"credential": ["LIC1:"]}}, 400),
    "multipart without image": ({"data": {"x": "y"}, "content_type": "multipart/form-data"},
                                400),
    "multipart, broken body": ({"data": b"--x\r\nfoo",
                                "content_type": "multipart/form-data; boundary=zzz"}, 400),
    "not an image": (_image(b"garbage"), 415),
    "SVG": (_image(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "a.svg"), 415),
    "PNG bomb 20000x20000": (_image(png_claiming(20_000, 20_000)), 413),
    "PNG 6000x6000, over our pixel cap": (_image(png_claiming(6_000, 6_000)), 413),
    "GIF bomb 60000x60000": (_image(gif_claiming(60_000, 60_000), "a.gif"), 413),
    "image over 5 MiB": (_image(b"\x89PNG" + b"0" * (6 << 20)), 413),
}


@pytest.mark.parametrize("case", sorted(VERIFY_CASES))
def test_verify_api_answers_a_problem(vapp, case):
    kwargs, status = VERIFY_CASES[case]
    response = vapp.test_client().post("/api/v1/verify", **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == status


@pytest.mark.parametrize("text", ["LIC1:\x00", "\ud800", "~" * 5000, "eyJ." * 3000,
                                  "https://evil.example/v/1?t=" + "a" * 1000])
def test_garbage_text_is_an_invalid_result(vapp, text):
    response = vapp.test_client().post("/api/v1/verify", json={"credential": text})
    assert response.status_code == 200
    assert response.get_json()["status"] == "invalid"


def test_page_refuses_a_bomb_without_a_500(vapp):
    import re

    client = vapp.test_client()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"',
                     client.get("/verify").get_data(as_text=True)).group(1)
    response = client.post("/verify", data={"csrf_token": csrf,
                                            "image": (io.BytesIO(png_claiming(20_000, 20_000)),
                                                      "a.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "无法识别" in response.get_data(as_text=True)


WALLET_CASES = {
    "text/plain": ({"data": b'{"disclose": []}', "content_type": "text/plain"}, 415),
    "form": ({"data": {"disclose": "x"}}, 415),
    "non-UTF-8": ({"data": b"\xff\xfe", "content_type": "application/json"}, 400),
    "deep JSON": ({"data": DEEP, "content_type": "application/json"}, 400),
    "too large": ({"data": b"{" + b" " * (9 << 20) + b"}",
                   "content_type": "application/json"}, 413),
    "disclose not a list": ({"json": {"disclose": "address"}}, 422),
}


@pytest.mark.parametrize("case", sorted(WALLET_CASES))
def test_wallet_present_answers_a_problem(vapp, case):
    kwargs, status = WALLET_CASES[case]
    headers = wallet_headers(vapp, "11010519491231002X")
    path = "/api/v1/wallet/licenses/1.2.156.3005.2.x/present"
    response = vapp.test_client().post(path, headers=headers, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("path", ["/api/v1/wallet/licenses/" + "1" * 5000,
                                  "/api/v1/wallet/licenses/%E4%B8%AD%00",
                                  "/api/v1/wallet/uses?x=%FF%FE"])
def test_wallet_reads_never_500(vapp, path):
    headers = {**wallet_headers(vapp, "11010519491231002X"), "X-Onegate-Staff": "%FF%FE"}
    response = vapp.test_client().get(path, headers=headers)
    assert response.status_code < 500


def test_staff_header_travels_percent_encoded(vapp):
    from verify.auth import BadHeader, header_text

    with vapp.test_request_context(headers={"X-Onegate-Staff": "%E7%AA%97%E5%8F%A3-03"}):
        assert header_text("X-Onegate-Staff") == "窗口-03"
    raw = "窗口-03".encode().decode("latin-1")  # what a server reads from raw UTF-8 bytes
    with vapp.test_request_context(headers={"X-Onegate-Staff": raw}):
        assert header_text("X-Onegate-Staff") == "窗口-03"
    with vapp.test_request_context(headers={"X-Onegate-Staff": "%FF"}):
        with pytest.raises(BadHeader):
            header_text("X-Onegate-Staff")
