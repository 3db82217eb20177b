"""A typical business licence's offline QR fits version 20 at level Q (issue 4).

Issued through the API with the demo catalogue's business licence (营业执照: offline
claims 类型, 法定代表人, 成立日期), the long entity types company registers really use,
a 16-character company name and a 25-character address; rendered, read back with
zxing-cpp, and verified.
"""

from __future__ import annotations

import dataclasses
import importlib
import io

import pytest
import segno
from PIL import Image

from credentials import catalogue, demo, signing
from credentials.formats import qr_image
from tests.credentials.helpers import mint, uscc

zxingcpp = importlib.import_module("zxingcpp")

COMPANY = "广州市天河区岭南智慧科技有限公司"
ADDRESS = "广东省广州市天河区天河路385号太古汇一座321房"
ENTITY_TYPES = ("有限责任公司（自然人投资或控股）", "股份有限公司（非上市、自然人投资或控股）")


@pytest.fixture
def amr(app, unique):
    """A market regulation department (code as long as the test ids make it) issuing
    the demo business licence type under a fresh type code."""
    code, type_code, client_id = f"amr{unique}", uscc() + "001", f"amr-sys-{unique}"
    sessions = app.services.sessions
    catalogue.create_department(sessions, app.services.keyring, code=code,
                                name="广东省市场监督管理局", uscc=uscc())
    with app.app_context(), sessions.begin() as session:
        catalogue.add_type(session, dataclasses.replace(
            demo.BUSINESS_LICENCE, code=type_code, departments=[code]))
        catalogue.add_client(session, code, client_id)
    token = mint(app, client_id=client_id, scope=f"licenses:issue:{type_code}")
    return type_code, {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("entity_type", ENTITY_TYPES)
def test_typical_business_licence_fits_version_20_at_q(client, amr, entity_type):
    assert (len(COMPANY), len(ADDRESS)) == (16, 25)
    type_code, headers = amr
    body = {"type": type_code,
            "holder": {"code_type": "001", "number": uscc("91"), "name": COMPANY},
            "claims": {"entity_type": entity_type, "legal_representative": "欧阳明辉",
                       "registered_capital": "人民币壹仟万元", "established": "2019-05-20",
                       "business_term": "2019-05-20至长期", "address": ADDRESS,
                       "business_scope": "软件开发；信息技术咨询服务；数据处理和存储支持服务。",
                       "registration_authority": "广州市天河区市场监督管理局"}}
    response = client.post("/api/v1/licenses", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    text = response.get_json()["offline_qr"]

    assert len(text) <= signing.offline_capacity()
    at_q = segno.make_qr(text, error="q", mode="alphanumeric", boost_error=False)
    assert at_q.version <= 20, (len(text), at_q.version)
    image = qr_image.render(text)
    assert image.mode == "alphanumeric" and image.version <= 20
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.png)).convert("L"),
                                     formats=zxingcpp.BarcodeFormat.QRCode)
    assert [r.text for r in results] == [text]
    print(f"{entity_type}: {len(text)} characters, version {at_q.version} at Q")

    verdict = client.post("/api/v1/verify", json={"credential": text}).get_json()
    assert (verdict["valid"], verdict["form"]) == (True, "offline_qr"), verdict
    claims = verdict["license"]["claims"]
    assert claims["entity_type"] == entity_type and claims["holder_name"] == COMPANY
    assert verdict["license"]["type"] == type_code
