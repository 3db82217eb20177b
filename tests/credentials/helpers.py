"""Valid identifiers, a department with one licence type, and access tokens for tests."""

from __future__ import annotations

import random
import secrets
import time
import uuid
from dataclasses import dataclass

from tests import conftest  # noqa: E402

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ISSUER = "http://localhost"


def uscc(kind: str = "11") -> str:
    """A random credit code with a GB 32100 check character computed here, independently."""
    body = kind + "440106" + "".join(random.choice("0123456789") for _ in range(9))
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return body + USCC_CHARS[(31 - total % 31) % 31]


def citizen_id() -> str:
    body = "440106" + f"{random.randint(1950, 2005)}{random.randint(1, 12):02d}" \
        f"{random.randint(1, 28):02d}" + f"{random.randint(0, 999):03d}"
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(body))
    return body + "10X98765432"[total % 11]


def bad_check(number: str) -> str:
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


TEST_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "permit_number": {"type": "string", "title": "许可证编号", "pattern": "^TP[0-9]{6}$"},
        "category": {"type": "string", "title": "类别", "enum": ["甲类", "乙类"]},
        "address": {"type": "string", "title": "地址", "maxLength": 100},
        "note": {"type": "string", "title": "备注", "maxLength": 50},
    },
    "required": ["permit_number", "category"],
    "additionalProperties": False,
}


def good_claims() -> dict:
    return {"permit_number": f"TP{random.randint(0, 999999):06d}", "category": "甲类",
            "address": "广州市天河区体育西路1号", "note": "测试"}


@dataclass
class Department:
    code: str
    uscc: str
    type_code: str
    client_id: str

    def holder(self) -> dict:
        return {"code_type": "111", "number": citizen_id(), "name": "李四"}

    def body(self, **extra) -> dict:
        body = {"type": self.type_code, "holder": self.holder(), "claims": good_claims()}
        body.update(extra)
        return body


def make_department(app, unique: str, *, holder_kind: str = "person") -> Department:
    """A department, one licence type it may issue, and a client acting for it."""
    from credentials import catalogue

    code, credit_code = f"t{unique}", uscc()
    type_code = uscc() + "001"
    client_id = f"sys-{unique}-{secrets.token_hex(2)}"
    sessions = app.services.sessions
    catalogue.create_department(sessions, app.services.keyring, code=code,
                                name=f"测试厅 {unique}", uscc=credit_code)
    with app.app_context(), sessions.begin() as session:
        catalogue.add_type(session, catalogue.TypeSpec(
            code=type_code, name_zh="测试许可证", name_en="Test permit", departments=[code],
            holder_kind=holder_kind, validity_days=365, json_schema=TEST_SCHEMA,
            always_disclosed=["holder_name", "permit_number", "category"],
            disclosable=["holder_id", "address", "note"],
            offline_claims=["permit_number", "category"]))
        catalogue.add_client(session, code, client_id)
    return Department(code, credit_code, type_code, client_id)


def mint(app, *, client_id: str, scope: str, sub: str | None = None, **claims) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "aud": [ISSUER + "/api"], "scope": scope, "client_id": client_id,
            "sub": sub or client_id, "jti": uuid.uuid4().hex, "iat": now, "exp": now + 300}
    body.update(claims)
    with app.app_context():
        return app.services.keyring.sign_jwt("provider", "ES256", body,
                                                          headers={"typ": "at+jwt"})


def dept_headers(app, dept: Department, *, scope: str | None = None, **extra) -> dict:
    token = mint(app, client_id=dept.client_id,
                 scope=scope if scope is not None else f"licenses:issue:{dept.type_code}")
    return {"Authorization": f"Bearer {token}", **extra}


def wallet_headers(app, id_number: str, scope: str = "openid wallet identity", **claims) -> dict:
    if id_number:
        claims["cn_id_number"] = id_number
    token = mint(app, client_id="onegate-wallet", scope=scope, sub="u-" + id_number[-6:],
                 **claims)
    return {"Authorization": f"Bearer {token}"}


def register_wallet(migrated: str, issuer: str, instance) -> None:
    """Point the wallet's public client (made by bootstrap) at this live server."""
    from admin.app import create_app
    from admin.bootstrap import ensure_wallet_client

    app = create_app(conftest.test_settings(migrated, ISSUER=issuer), instance_path=instance)
    ensure_wallet_client(app)
    app.services.engine.dispose()

