"""Our credentials verify with code that is not ours: jwcrypto and the ``sd-jwt`` package
for the SD-JWT VC; cbor2 + cryptography (and a Base45 decoder written here) for COSE."""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
import time
import zlib

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from jwcrypto import jwk, jws

from tests.credentials.helpers import dept_headers

B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def base45_decode(text: str) -> bytes:
    out = bytearray()
    for i in range(0, len(text), 3):
        chunk = [B45.index(c) for c in text[i:i + 3]]
        n = sum(v * 45 ** k for k, v in enumerate(chunk))
        out += n.to_bytes(2 if len(chunk) == 3 else 1, "big")
    return bytes(out)


@pytest.fixture
def issued(client, app, dept):
    response = client.post("/api/v1/licenses", json=dept.body(), headers=dept_headers(app, dept))
    assert response.status_code == 201
    metadata = client.get(f"/.well-known/jwt-vc-issuer/issuers/{dept.code}").get_json()
    return response.get_json(), metadata


def test_sd_jwt_verifies_with_jwcrypto(issued, dept):
    licence, metadata = issued
    assert metadata["issuer"] == f"http://localhost/issuers/{dept.code}"
    issuer_jwt, *disclosures, last = licence["sd_jwt"].split("~")
    assert last == ""
    header = json.loads(b64d(issuer_jwt.split(".")[0]))
    assert header["typ"] == "dc+sd-jwt" and header["alg"] == "ES256"
    key = next(k for k in metadata["jwks"]["keys"] if k["kid"] == header["kid"])
    token = jws.JWS()
    token.deserialize(issuer_jwt)
    token.verify(jwk.JWK(**key), alg="ES256")
    payload = json.loads(token.payload)
    assert payload["iss"] == metadata["issuer"]
    assert payload["vct"] == f"http://localhost/types/{dept.type_code}"
    assert payload["license_id"] == licence["identifier"]
    assert payload["status"] == {"status_list": licence["status"]}
    assert payload["nbf"] <= time.time() < payload["exp"] and "iat" in payload
    digests = {base64.urlsafe_b64encode(hashlib.sha256(d.encode()).digest()).rstrip(b"=")
               .decode() for d in disclosures}
    assert digests < set(payload["_sd"])  # strict: decoys are there too
    disclosed = {json.loads(b64d(d))[1] for d in disclosures}
    assert disclosed == {"holder_id", "address", "note"}
    assert payload["permit_number"] == licence["claims"]["permit_number"]


def test_sd_jwt_verifies_with_the_sd_jwt_package(issued):
    verifier = importlib.import_module("sd_jwt.verifier")
    licence, metadata = issued

    def issuer_key(iss, header):
        assert iss == metadata["issuer"]
        return jwk.JWK(**next(k for k in metadata["jwks"]["keys"] if k["kid"] == header["kid"]))

    claims = verifier.SDJWTVerifier(licence["sd_jwt"], issuer_key).get_verified_payload()
    assert claims["holder_id"] == licence["holder"]["number"]
    assert claims["address"] == licence["claims"]["address"]
    assert claims["license_id"] == licence["identifier"]


def _thumbprint8(key: dict) -> bytes:
    """RFC 7638: SHA-256 over the required members, sorted, no whitespace; first 8 bytes."""
    members = {name: key[name] for name in ("crv", "kty", "x", "y")}
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(canonical).digest()[:8]


def test_offline_qr_verifies_with_cbor2_and_cryptography(client, issued, dept):
    """The documented rules, applied by hand: iss is the department code (its issuer
    metadata at /.well-known/jwt-vc-issuer/issuers/<code>); kid is the first 8 bytes of
    the key's JWK thumbprint; the status list URI is <issuer URL>/status/<hex list id>;
    the type code is the identifier's sixth dot-separated field."""
    licence, _ = issued
    text = licence["offline_qr"]
    assert text.startswith("LIC1:") and set(text[5:]) <= set(B45)
    message = cbor2.loads(zlib.decompress(base45_decode(text[5:])))
    assert message.tag == 18
    protected, unprotected, payload, signature = message.value
    header = cbor2.loads(protected)
    assert header[1] == -7 and len(header[4]) == 8  # ES256, 8-byte kid
    claims = cbor2.loads(payload)
    assert claims[1] == dept.code
    metadata = client.get(f"/.well-known/jwt-vc-issuer/issuers/{claims[1]}").get_json()
    matching = [k for k in metadata["jwks"]["keys"] if b64d(k["kid"])[:8] == header[4]]
    assert len(matching) == 1 and _thumbprint8(matching[0]) == header[4]
    public = jwk.JWK(**matching[0]).get_op_key("verify")
    assert isinstance(public, ec.EllipticCurvePublicKey)
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", payload])
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    public.verify(encode_dss_signature(r, s), to_be_signed, ec.ECDSA(hashes.SHA256()))
    assert claims[6] <= time.time() < claims[4]
    compact = claims[-65537]
    assert set(compact) == {1, 2, 3, 4, 5}
    assert compact[1] == licence["identifier"]
    assert compact[1].split(".")[5] == dept.type_code
    assert compact[2] == licence["holder"]["name"]
    assert compact[3] == ["111", licence["holder"]["number"]]
    assert compact[5] == {"permit_number": licence["claims"]["permit_number"],
                          "category": licence["claims"]["category"]}
    list_id, idx = compact[4]
    assert idx == licence["status"]["idx"]
    assert f"{metadata['issuer']}/status/{list_id.hex()}" == licence["status"]["uri"]
