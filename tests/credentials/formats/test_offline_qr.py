"""Offline QR text: round trip, independent COSE verification, and hostile inputs."""

from __future__ import annotations

import base64
import zlib

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from credentials.formats import base45, compact_licence, cose, cwt, offline_qr
from credentials.formats.errors import (
    DecompressionLimitExceeded,
    Expired,
    InvalidBase45,
    InvalidCbor,
    InvalidClaim,
    InvalidCompression,
    InvalidCose,
    InvalidSignature,
    KeyAlgorithmMismatch,
    NotYetValid,
    UnsupportedAlgorithm,
    WrongPrefix,
)
from tests.credentials.formats.conftest import NOW

ISS = "amr"  # the department code; the verifier maps it to the issuer URL
TYPE_CODE = "11100000MB0143028R001"
IDENTIFIER = "1.2.156.3005.2.11100000MB0143028R001.11440000MB2C921253.260315A7K2M9QZ.001.M"
#: An RFC 7638 thumbprint (base64url of 32 bytes) and the 8 bytes the COSE kid carries.
KID = "RXhhbXBsZVRodW1icHJpbnRPZlRoZVNpZ25pbmdLZXk"
KID8 = b"ExampleT"
LICENCE = compact_licence.pack(
    identifier=IDENTIFIER,
    holder_name="广州示例科技有限公司",
    holder_code_type="001",
    holder_code="91440101MA5XXXXX1X",
    key_claims={"lr": "张三"},
    status_list_id="3f9a0c1b2d4e5f60",
    status_idx=7,
)


def _encode(key, alg="ES256", **kw) -> str:
    args = dict(
        private_key=key, kid=KID, alg=alg, iss=ISS, iat=NOW, nbf=NOW, exp=NOW + 86400
    )
    args.update(kw)
    return offline_qr.encode(LICENCE, **args)


def _wrap(cose_bytes: bytes) -> str:
    return offline_qr.PREFIX + base45.encode(zlib.compress(cose_bytes, 9))


@pytest.mark.parametrize(("fixture", "alg"), [("es256_key", "ES256"), ("ed25519_key", "EdDSA")])
def test_round_trip(request, fixture: str, alg: str) -> None:
    key = request.getfixturevalue(fixture)
    text = _encode(key, alg)
    assert text.startswith("LIC1:")
    assert set(text) <= set(base45.ALPHABET)
    decoded = offline_qr.decode(text)
    assert (decoded.kid, decoded.alg) == (KID8, alg)
    claims = offline_qr.verify(decoded, key.public_key(), now=NOW + 1)
    assert claims.licence == LICENCE
    assert (claims.iss, claims.iat, claims.exp) == (ISS, NOW, NOW + 86400)
    licence = compact_licence.unpack(claims.licence)
    assert licence == {
        "identifier": IDENTIFIER, "type_code": TYPE_CODE, "holder_name": "广州示例科技有限公司",
        "holder_code_type": "001", "holder_code": "91440101MA5XXXXX1X",
        "key_claims": {"lr": "张三"}, "status_list_id": "3f9a0c1b2d4e5f60", "status_idx": 7}


def test_independent_cose_verification(es256_key) -> None:
    """Verify with cbor2 + cryptography only, following RFC 9052 section 4.4 by hand."""
    raw = zlib.decompress(base45.decode(_encode(es256_key)[len("LIC1:") :]))
    tagged = cbor2.loads(raw)
    assert tagged.tag == 18
    protected, unprotected, payload, signature = tagged.value
    header = cbor2.loads(protected)
    assert header == {1: -7, 4: KID8}
    # The documented kid rule: the first 8 bytes of the base64url-decoded JWK kid.
    assert header[4] == base64.urlsafe_b64decode(KID + "=")[:8]
    assert len(signature) == 64  # raw r||s, not DER
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", payload])
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    es256_key.public_key().verify(der, to_be_signed, ec.ECDSA(hashes.SHA256()))
    claims = cbor2.loads(payload)
    assert claims[1] == ISS and claims[4] == NOW + 86400 and claims[-65537] == LICENCE
    licence = claims[-65537]
    assert licence[1] == IDENTIFIER and licence[1].split(".")[5] == TYPE_CODE
    assert licence[3] == ["001", "91440101MA5XXXXX1X"]
    assert licence[4] == [bytes.fromhex("3f9a0c1b2d4e5f60"), 7]  # list id bytes, index


def test_wrong_key(es256_key, other_es256_key, ed25519_key) -> None:
    decoded = offline_qr.decode(_encode(es256_key))
    with pytest.raises(InvalidSignature):
        offline_qr.verify(decoded, other_es256_key.public_key(), now=NOW)
    with pytest.raises(KeyAlgorithmMismatch):
        offline_qr.verify(decoded, ed25519_key.public_key(), now=NOW)


def test_tampered_payload(es256_key) -> None:
    message = offline_qr.decode(_encode(es256_key)).message
    licence = {**LICENCE, 2: "广州伪造科技有限公司"}
    payload = cwt.encode(licence, iss=ISS, iat=NOW, nbf=NOW, exp=NOW + 86400)
    forged = cbor2.dumps(cbor2.CBORTag(18, [message.protected, {}, payload, message.signature]))
    with pytest.raises(InvalidSignature):
        offline_qr.verify(offline_qr.decode(_wrap(forged)), es256_key.public_key(), now=NOW)


def test_validity_window(es256_key) -> None:
    decoded = offline_qr.decode(_encode(es256_key))
    with pytest.raises(Expired):
        offline_qr.verify(decoded, es256_key.public_key(), now=NOW + 86400)
    with pytest.raises(NotYetValid):
        offline_qr.verify(decoded, es256_key.public_key(), now=NOW - 1)


def test_wrong_prefix(es256_key) -> None:
    text = _encode(es256_key)
    for bad in ("HC1:" + text[5:], text[5:], "lic1:" + text[5:]):
        with pytest.raises(WrongPrefix) as info:
            offline_qr.decode(bad)
        assert info.value.code == "wrong_prefix"


def test_bad_base45() -> None:
    with pytest.raises(InvalidBase45):
        offline_qr.decode("LIC1:abc")
    with pytest.raises(InvalidBase45):
        offline_qr.decode("LIC1:::::")


def test_truncated(es256_key) -> None:
    text = _encode(es256_key)
    cut = text[: len("LIC1:") + (len(text) - 5) // 2 // 3 * 3]
    with pytest.raises(InvalidCompression):
        offline_qr.decode(cut)


def test_zlib_bomb() -> None:
    bomb = zlib.compress(bytes(2_000_000), 9)
    text = offline_qr.PREFIX + base45.encode(bomb)
    assert len(text) < offline_qr.MAX_TEXT
    with pytest.raises(DecompressionLimitExceeded) as info:
        offline_qr.decode(text)
    assert info.value.code == "decompression_limit_exceeded"


def test_not_zlib() -> None:
    with pytest.raises(InvalidCompression):
        offline_qr.decode(offline_qr.PREFIX + base45.encode(b"plain bytes"))


def test_bad_cbor() -> None:
    with pytest.raises(InvalidCbor):
        offline_qr.decode(_wrap(b"\xff\xff\xff"))
    with pytest.raises(InvalidCbor):
        offline_qr.decode(_wrap(cbor2.dumps(1) + b"\x00"))  # trailing byte


@pytest.mark.parametrize(
    "item",
    [
        cbor2.CBORTag(98, [b"", {}, b"", b""]),  # COSE_Sign tag, not Sign1
        [b"", {}, b"", b""],  # untagged
        cbor2.CBORTag(18, [b"", {}, b""]),  # three elements
        cbor2.CBORTag(18, ["text", {}, b"", b""]),  # protected not bstr
        cbor2.CBORTag(18, [cbor2.dumps({1: -7}), [], b"", b""]),  # unprotected not a map
        cbor2.CBORTag(18, [cbor2.dumps([1]), {}, b"", b""]),  # protected not a map
        cbor2.CBORTag(18, [cbor2.dumps({1: -7}), {1: -7}, b"", b""]),  # label in both buckets
    ],
)
def test_wrong_cose_structure(item) -> None:
    with pytest.raises(InvalidCose):
        offline_qr.decode(_wrap(cbor2.dumps(item)))


def test_unsupported_cose_alg(es256_key) -> None:
    message = offline_qr.decode(_encode(es256_key)).message
    protected = cbor2.dumps({1: -37, 4: KID8})  # PS256
    item = cbor2.CBORTag(18, [protected, {}, message.payload, message.signature])
    with pytest.raises(UnsupportedAlgorithm):
        offline_qr.decode(_wrap(cbor2.dumps(item)))


def test_der_signature_rejected(es256_key) -> None:
    message = offline_qr.decode(_encode(es256_key)).message
    der = es256_key.sign(
        cose.sig_structure(message.protected, message.payload), ec.ECDSA(hashes.SHA256())
    )
    item = cbor2.CBORTag(18, [message.protected, {}, message.payload, der])
    with pytest.raises(InvalidSignature):
        offline_qr.verify(
            offline_qr.decode(_wrap(cbor2.dumps(item))), es256_key.public_key(), now=NOW
        )


@pytest.mark.parametrize("kid", [b"", b"1234567", b"123456789", None])
def test_kid_must_be_8_bytes(es256_key, kid) -> None:
    message = offline_qr.decode(_encode(es256_key)).message
    header = {1: -7} if kid is None else {1: -7, 4: kid}
    item = cbor2.CBORTag(18, [cbor2.dumps(header), {}, message.payload, message.signature])
    with pytest.raises(InvalidCose):
        offline_qr.decode(_wrap(cbor2.dumps(item)))


def test_kid_prefix_rule() -> None:
    assert offline_qr.kid_prefix(KID) == KID8
    assert offline_qr.kid_matches(KID8, KID)
    assert not offline_qr.kid_matches(KID8, "X" + KID[1:])
    for not_a_thumbprint in ("amr-2025", "", "a=b", 42, None):
        assert not offline_qr.kid_matches(KID8, not_a_thumbprint)
    with pytest.raises(InvalidClaim):
        offline_qr.kid_prefix("amr-2025")  # 6 bytes: too short to name a key


def test_compact_layout_is_integer_keyed_and_carries_nothing_derivable() -> None:
    assert set(LICENCE) == {1, 2, 3, 4, 5}
    assert TYPE_CODE not in LICENCE.values()  # it is inside the identifier
    assert compact_licence.status_uri("https://x/issuers/amr", "3f9a0c1b2d4e5f60") == (
        "https://x/issuers/amr/status/3f9a0c1b2d4e5f60")
    text_id = compact_licence.pack(identifier=IDENTIFIER, holder_name="n", holder_code_type="111",
                                   holder_code="c", key_claims={}, status_list_id="list-1",
                                   status_idx=0)
    assert text_id[4] == ["list-1", 0] and 5 not in text_id
    assert compact_licence.unpack(text_id)["status_list_id"] == "list-1"


@pytest.mark.parametrize(
    "packed",
    [
        {1: IDENTIFIER, 2: "n"},  # no holder
        {1: "GD-BL-2025-000123", 2: "n", 3: ["001", "c"]},  # not GB/T 36904
        {1: IDENTIFIER, 2: "n", 3: ["001", "c"], 9: 1},  # unknown key
        {1: IDENTIFIER, 2: "n", 3: ["001", 5]},
        {1: IDENTIFIER, 2: "n", 3: ["001", "c"], 4: [b"\x01", -1]},
        {1: IDENTIFIER, 2: "n", 3: ["001", "c"], 4: [b"\x01", True]},
        {1: IDENTIFIER, 2: "n", 3: ["001", "c"], 4: ["../x", 1]},  # not one path segment
        {1: IDENTIFIER, 2: "n", 3: ["001", "c"], 4: [b"", 1]},
        {1: IDENTIFIER, 2: "n", 3: ["001", "c"], 4: [b"\x01" * 33, 1]},
        {1: IDENTIFIER, 2: "n", 3: ["001", "c"], 5: {1: "x"}},
        {"i": IDENTIFIER, "n": "n", "h": ["001", "c"]},  # the old text-keyed layout
        ["not", "a", "map"],
    ],
)
def test_compact_unpack_rejects(packed) -> None:
    with pytest.raises(InvalidClaim):
        compact_licence.unpack(packed)
