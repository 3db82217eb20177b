"""Offline QR text: round trip, independent COSE verification, and hostile inputs."""

from __future__ import annotations

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
    InvalidCompression,
    InvalidCose,
    InvalidSignature,
    KeyAlgorithmMismatch,
    NotYetValid,
    UnsupportedAlgorithm,
    WrongPrefix,
)
from tests.credentials.formats.conftest import NOW

ISS = "https://onegate.example.gov.cn/issuers/amr"
LICENCE = compact_licence.pack(
    identifier="GD-BL-2025-000123",
    type_code="BL",
    holder_name="广州示例科技有限公司",
    holder_code_type="USCC",
    holder_code="91440101MA5XXXXX1X",
    key_claims={"lr": "张三"},
    status_idx=7,
    status_uri="https://onegate.example/status/1",
)


def _encode(key, alg="ES256", **kw) -> str:
    args = dict(
        private_key=key, kid="amr-2025", alg=alg, iss=ISS, iat=NOW, nbf=NOW, exp=NOW + 86400
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
    assert (decoded.kid, decoded.alg) == (b"amr-2025", alg)
    claims = offline_qr.verify(decoded, key.public_key(), now=NOW + 1)
    assert claims.licence == LICENCE
    assert (claims.iss, claims.iat, claims.exp) == (ISS, NOW, NOW + 86400)
    assert compact_licence.unpack(claims.licence)["holder_code"] == "91440101MA5XXXXX1X"


def test_independent_cose_verification(es256_key) -> None:
    """Verify with cbor2 + cryptography only, following RFC 9052 section 4.4 by hand."""
    raw = zlib.decompress(base45.decode(_encode(es256_key)[len("LIC1:") :]))
    tagged = cbor2.loads(raw)
    assert tagged.tag == 18
    protected, unprotected, payload, signature = tagged.value
    assert cbor2.loads(protected) == {1: -7, 4: b"amr-2025"}
    assert len(signature) == 64  # raw r||s, not DER
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", payload])
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    es256_key.public_key().verify(der, to_be_signed, ec.ECDSA(hashes.SHA256()))
    claims = cbor2.loads(payload)
    assert claims[1] == ISS and claims[4] == NOW + 86400 and claims[-65537] == LICENCE


def test_wrong_key(es256_key, other_es256_key, ed25519_key) -> None:
    decoded = offline_qr.decode(_encode(es256_key))
    with pytest.raises(InvalidSignature):
        offline_qr.verify(decoded, other_es256_key.public_key(), now=NOW)
    with pytest.raises(KeyAlgorithmMismatch):
        offline_qr.verify(decoded, ed25519_key.public_key(), now=NOW)


def test_tampered_payload(es256_key) -> None:
    message = offline_qr.decode(_encode(es256_key)).message
    licence = dict(LICENCE, i="GD-BL-2025-999999")
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
    protected = cbor2.dumps({1: -37, 4: b"amr-2025"})  # PS256
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
