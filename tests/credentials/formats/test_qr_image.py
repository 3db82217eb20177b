"""QR rendering: decoded back by an independent reader (zxing-cpp), size of a real licence."""

from __future__ import annotations

import importlib
import io

import pytest
from PIL import Image

from credentials.formats import compact_licence, offline_qr, qr_image
from credentials.formats.errors import QrTooLarge
from tests.credentials.formats.conftest import NOW

zxingcpp = importlib.import_module("zxingcpp")

# A PRC business licence (营业执照) with all ten printed fields in the offline code,
# more than the catalogue's business licence puts there (three), in the compact layout
# (integer keys, department code as iss, 8-byte kid, status list id and index).
# Compact values (dates as YYYYMMDD integers, capital in 10,000 CNY) are this test's
# choice of claims; the layout carries claim values as given.
BUSINESS_LICENCE = compact_licence.pack(
    identifier="1.2.156.3005.2.11100000MB0143028R001.11440000MB2C921253.260315A7K2M9QZ.001.M",
    holder_name="广州市天河区示例信息科技有限公司",  # 企业名称
    holder_code_type="001",
    holder_code="91440106MA5CXXXX8Q",  # 统一社会信用代码
    key_claims={
        "lr": "王小明",  # 法定代表人
        "ad": "广州市天河区天河路385号太古汇一座3201房",  # 住所
        "rc": 1000,  # 注册资本: 1000 万元 (人民币壹仟万元)
        "ed": 20190315,  # 成立日期
        "tm": [20190315, None],  # 营业期限: 2019-03-15 至 长期
        "sc": "软件开发；信息技术咨询服务",  # 经营范围 (short)
        "ra": "广州市天河区市场监督管理局",  # 登记机关
        "id": 20250601,  # 发证日期
    },
    status_list_id="3f9a0c1b2d4e5f60",
    status_idx=123456,
)
#: An RFC 7638 thumbprint: base64url of 32 bytes.
KID = "X1orPE1eb3BZ9oNl3x_2Zq7kT0a8mW4yHc5RjVt1sQE"


def _read(png: bytes) -> list:
    return zxingcpp.read_barcodes(Image.open(io.BytesIO(png)),
                                  formats=zxingcpp.BarcodeFormat.QRCode)


def test_business_licence_fits_version_20(es256_key) -> None:
    text = offline_qr.encode(
        BUSINESS_LICENCE,
        private_key=es256_key,
        kid=KID,
        alg="ES256",
        iss="gdamr",
        iat=NOW,
        nbf=NOW,
        exp=NOW + 365 * 86400,
    )
    image = qr_image.render(text)
    assert image.mode == "alphanumeric"
    assert image.version <= 20, (image.version, len(text))
    results = _read(image.png)
    assert len(results) == 1
    assert results[0].text == text
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode
    decoded = offline_qr.decode(results[0].text)
    claims = offline_qr.verify(decoded, es256_key.public_key(), now=NOW)
    assert compact_licence.unpack(claims.licence)["key_claims"]["lr"] == "王小明"
    print(f"business licence: {len(text)} characters, QR version {image.version}")


def test_svg_output() -> None:
    image = qr_image.render("LIC1:ABC")
    assert image.svg.lstrip().startswith("<svg")
    assert image.png.startswith(b"\x89PNG")


def test_byte_mode_for_urls() -> None:
    url = "https://onegate.example/v/abc?x=1"
    image = qr_image.render(url)
    assert image.mode == "byte"
    assert _read(image.png)[0].text == url


def test_too_large() -> None:
    with pytest.raises(QrTooLarge) as info:
        qr_image.render("A" * 2000, max_version=20)
    assert info.value.code == "qr_too_large"
    with pytest.raises(QrTooLarge):
        qr_image.render("A" * 10_000, max_version=40)
