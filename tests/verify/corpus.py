"""A corpus of licences, built with the formats core, and in-memory trust and status.

Every case comes in both signed forms (SD-JWT VC and offline ``LIC1:`` QR text)
and names the verdict every way of verifying must reach.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from credentials.formats import compact_licence, offline_qr, sd_jwt_vc, status_list
from identifiers import make_license_id, uscc_check_character
from keys.jwk import public_jwk, thumbprint
from verify.sources import InMemoryStatusSource, InMemoryTrustSource, TrustedIssuer


def uscc(base17: str) -> str:
    return base17 + uscc_check_character(base17)


DEFINER = uscc("11100000000013338")          # a ministry that defines licence types
FOOD_TYPE = DEFINER + "009"                   # the department may issue this
MARRIAGE_TYPE = DEFINER + "032"               # ...but not this
DEPT_USCC = uscc("11440000MB2C92100")
ROGUE_USCC = uscc("11440000MB2C92999")
BASE = "https://onegate.example"
ISSUER = f"{BASE}/issuers/scjg"
ROGUE = f"{BASE}/issuers/rogue"
STATUS_LIST_ID = "1"
STATUS_URI = f"{ISSUER}/status/{STATUS_LIST_ID}"  # the offline form's rule: <iss URL>/status/<id>
IDX_VALID, IDX_REVOKED, IDX_SUSPENDED = 7, 11, 13

CASES = {  # name -> expected status
    "valid": "valid",
    "retired_key": "valid",
    "expired": "expired",
    "not_yet_valid": "not_yet_valid",
    "suspended": "suspended",
    "revoked": "revoked",
    "tampered": "invalid",
    "revoked_key": "invalid",
    "untrusted_issuer": "untrusted",
    "wrong_type": "untrusted",
    "malformed": "invalid",
}


@dataclass
class Key:
    private: Any
    kid: str
    jwk: dict[str, Any]

    @classmethod
    def new(cls) -> Key:
        private = ec.generate_private_key(ec.SECP256R1())
        jwk = public_jwk(private.public_key())
        kid = thumbprint(jwk)
        return cls(private, kid, {**jwk, "kid": kid, "alg": "ES256", "use": "sig"})


@dataclass
class Corpus:
    now: int
    active: Key = field(default_factory=Key.new)
    retired: Key = field(default_factory=Key.new)
    revoked: Key = field(default_factory=Key.new)
    rogue: Key = field(default_factory=Key.new)
    serial: int = 0
    texts: dict[tuple[str, str], str] = field(default_factory=dict)

    def trusted_issuer(self) -> TrustedIssuer:
        return TrustedIssuer(issuer=ISSUER, code="scjg", name="省市场监督管理局",
                             jwks=(self.active.jwk, self.retired.jwk),
                             licence_types=frozenset({FOOD_TYPE}), uscc=DEPT_USCC,
                             type_names={FOOD_TYPE: "食品经营许可证"})

    def trust(self) -> InMemoryTrustSource:
        return InMemoryTrustSource([self.trusted_issuer()])

    def status_token(self) -> str:
        lst = status_list.StatusList(1024, 2)
        lst.set(IDX_REVOKED, status_list.INVALID)
        lst.set(IDX_SUSPENDED, status_list.SUSPENDED)
        return status_list.status_list_jwt(
            lst, uri=STATUS_URI, iat=self.now - 10, exp=self.now + 86400, ttl=300,
            private_key=self.active.private, alg="ES256", kid=self.active.kid)

    def status(self) -> InMemoryStatusSource:
        return InMemoryStatusSource({STATUS_URI: self.status_token()})

    def identifier(self, type_code: str, issuer_code: str) -> str:
        self.serial += 1
        return str(make_license_id(type_code, issuer_code, f"2025{self.serial:06d}", 1))

    def issue(self, form: str, *, key: Key | None = None, iss: str = ISSUER,
              type_code: str = FOOD_TYPE, issuer_code: str = DEPT_USCC,
              iat: int | None = None, nbf: int | None = None, exp: int | None = None,
              idx: int = IDX_VALID) -> str:
        key = key or self.active
        iat = self.now - 3600 if iat is None else iat
        nbf = iat if nbf is None else nbf
        exp = self.now + 365 * 86400 if exp is None else exp
        identifier = self.identifier(type_code, issuer_code)
        if form == "sd_jwt":
            claims = {"licence_id": identifier, "licence_type": type_code,
                      "holder_name": "张三", "holder_code": "11010519491231002X",
                      "经营者名称": "张三小吃店", "经营场所": "广州市天河区体育西路1号"}
            return sd_jwt_vc.issue(
                claims, {"经营场所", "holder_code"}, private_key=key.private, alg="ES256",
                kid=key.kid, iss=iss, vct=f"{BASE}/vct/{type_code}", iat=iat, nbf=nbf,
                exp=exp, status=status_list.reference(idx, STATUS_URI))
        packed = compact_licence.pack(
            identifier=identifier, holder_name="张三",
            holder_code_type="111", holder_code="11010519491231002X",
            key_claims={"经营者名称": "张三小吃店"}, status_list_id=STATUS_LIST_ID,
            status_idx=idx)
        # The offline form names its issuer by department code (the URL's last segment).
        return offline_qr.encode(packed, private_key=key.private, kid=key.kid, alg="ES256",
                                 iss=iss.rsplit("/", 1)[-1], iat=iat, nbf=nbf, exp=exp)

    def case(self, name: str, form: str) -> str:
        if (name, form) not in self.texts:
            self.texts[(name, form)] = self._make(name, form)
        return self.texts[(name, form)]

    def _make(self, name: str, form: str) -> str:
        now = self.now
        builders = {
            "valid": lambda: self.issue(form),
            "retired_key": lambda: self.issue(form, key=self.retired),
            "expired": lambda: self.issue(form, iat=now - 400 * 86400, exp=now - 86400),
            "not_yet_valid": lambda: self.issue(form, nbf=now + 86400),
            "suspended": lambda: self.issue(form, idx=IDX_SUSPENDED),
            "revoked": lambda: self.issue(form, idx=IDX_REVOKED),
            "tampered": lambda: tamper(self.issue(form)),
            "revoked_key": lambda: self.issue(form, key=self.revoked),
            "untrusted_issuer": lambda: self.issue(form, key=self.rogue, iss=ROGUE,
                                                   issuer_code=ROGUE_USCC),
            "wrong_type": lambda: self.issue(form, type_code=MARRIAGE_TYPE),
            "malformed": lambda: self.issue(form)[: 60],
        }
        return builders[name]()


def tamper(text: str) -> str:
    """Change signed content without re-signing."""
    if text.startswith("LIC1:"):
        from credentials.formats import base45, inflate

        raw = bytearray(inflate.decompress(base45.decode(text[5:]), max_size=1 << 16))
        at = raw.find("张三小吃店".encode())
        raw[at: at + 3] = "李".encode()
        return "LIC1:" + base45.encode(inflate.compress(bytes(raw)))
    jwt_part, *rest = text.split("~")
    from credentials.formats import base64url, disclosure

    # Swap the shop address Disclosure for one the issuer never signed.
    forged = base64url.encode(
        '["c2FsdHNhbHRzYWx0c2FsdA","经营场所","深圳市福田区"]'.encode())
    rest = [forged if disclosure.decode(d).name == "经营场所" else d for d in rest if d] + [""]
    return "~".join([jwt_part, *rest])


def new_corpus() -> Corpus:
    return Corpus(now=int(time.time()))
