"""SD-JWT / SD-JWT VC: round trips, every rejection path, and independent verifiers."""

from __future__ import annotations

import importlib
import json

import jwt
import pytest
from jwcrypto import jwk as jwcrypto_jwk
from jwcrypto import jws as jwcrypto_jws

from credentials.formats import base64url, disclosure, key_binding, sd_jwt, sd_jwt_vc
from credentials.formats.errors import (
    AudienceMismatch,
    ClaimCollision,
    ClaimNotDisclosable,
    DuplicateDigest,
    DuplicateDisclosure,
    Expired,
    InvalidBase64,
    InvalidDisclosure,
    InvalidHeader,
    InvalidIssuanceRequest,
    InvalidJson,
    InvalidSignature,
    KeyAlgorithmMismatch,
    KeyBindingMissing,
    KeyBindingNotAllowed,
    KeyBindingStale,
    MalformedError,
    NonceMismatch,
    NotYetValid,
    ReservedClaimName,
    SdHashMismatch,
    UnreferencedDisclosure,
    UnsupportedAlgorithm,
    UnsupportedHashAlgorithm,
)
from tests.credentials.formats.conftest import NOW

CLAIMS = {
    "licence_id": "GD-BL-2025-000123",
    "holder_name": "广州示例科技有限公司",
    "holder_code": "91440101MA5XXXXX1X",
    "legal_representative": "张三",
    "address": "广州市天河区示例路1号",
}
DISCLOSABLE = {"holder_name", "holder_code", "legal_representative", "address"}
VCT = "https://licences.example.gov.cn/vct/business-licence"
ISS = "https://onegate.example.gov.cn/issuers/amr"


def _issue(key, *, alg="ES256", cnf_jwk=None, decoys=2, **overrides) -> str:
    args = dict(
        private_key=key,
        alg=alg,
        kid="amr-2025",
        iss=ISS,
        vct=VCT,
        iat=NOW,
        nbf=NOW,
        exp=NOW + 86400,
        status={"status_list": {"idx": 7, "uri": "https://onegate.example/status/1"}},
        cnf_jwk=cnf_jwk,
        decoys=decoys,
    )
    args.update(overrides)
    return sd_jwt_vc.issue(CLAIMS, DISCLOSABLE, **args)


def _verify(text: str, key, **kw) -> sd_jwt_vc.VerifiedSdJwtVc:
    return sd_jwt_vc.verify(
        text, public_key=key, algorithms=("ES256", "EdDSA", "RS256"), now=NOW + 10, **kw
    )


def _holder_jwk(holder_key) -> dict:
    return jwt.algorithms.ECAlgorithm.to_jwk(holder_key.public_key(), as_dict=True)


def _segments(token: str) -> list[str]:
    return token.split(".")


def _resign(key, header: dict, payload: dict, alg: str = "ES256") -> str:
    return jwt.api_jws.encode(json.dumps(payload).encode(), key, algorithm=alg, headers=header)


# --- spec vectors ------------------------------------------------------------------


def test_rfc9901_disclosure_digest_example() -> None:
    raw = "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0"
    assert disclosure.digest(raw) == "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0"
    decoded = disclosure.decode(raw)
    assert (decoded.salt, decoded.name, decoded.value) == (
        "_26bc4LT-ac6q2KI6cBW5es",
        "family_name",
        "Möbius",
    )


def test_rfc9901_array_element_disclosure() -> None:
    raw = "WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIkZSIl0"
    assert disclosure.digest(raw) == "w0I8EKcdCtUPkGCNUrfwVp2xEgNjtoIDlOxc9-PlOhs"
    assert disclosure.decode(raw).name is None


# --- round trips -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "alg"), [("es256_key", "ES256"), ("ed25519_key", "EdDSA"), ("rsa_key", "RS256")]
)
def test_issue_verify_round_trip(request, fixture: str, alg: str) -> None:
    key = request.getfixturevalue(fixture)
    text = _issue(key, alg=alg)
    assert text.endswith("~")
    result = _verify(text, key.public_key())
    for name, value in CLAIMS.items():
        assert result.claims[name] == value
    assert result.claims["vct"] == VCT
    assert result.claims["status"]["status_list"]["idx"] == 7
    assert "_sd" not in result.claims and "_sd_alg" not in result.claims
    assert result.kid == "amr-2025"


def test_issued_shape(es256_key) -> None:
    parsed = sd_jwt.parse(_issue(es256_key, decoys=3))
    assert parsed.header["typ"] == "dc+sd-jwt"
    assert parsed.header["alg"] == "ES256" and parsed.header["kid"] == "amr-2025"
    assert parsed.payload["_sd_alg"] == "sha-256"
    sd = parsed.payload["_sd"]
    assert sd == sorted(sd)
    assert len(sd) == len(DISCLOSABLE) + 3
    assert {d.digest for d in parsed.disclosures} < set(sd)
    for item in parsed.disclosures:
        assert len(base64url.decode(item.salt)) == 16
        assert item.name not in parsed.payload
    assert parsed.payload["licence_id"] == CLAIMS["licence_id"]


def test_random_decoy_count(es256_key) -> None:
    parsed = sd_jwt.parse(_issue(es256_key, decoys=None))
    assert 1 <= len(parsed.payload["_sd"]) - len(DISCLOSABLE) <= 3


def test_present_subset(es256_key) -> None:
    presentation = sd_jwt.present(_issue(es256_key), {"holder_name"})
    claims = _verify(presentation, es256_key.public_key()).claims
    assert claims["holder_name"] == CLAIMS["holder_name"]
    assert "address" not in claims and "holder_code" not in claims
    assert claims["licence_id"] == CLAIMS["licence_id"]


def test_present_nothing(es256_key) -> None:
    presentation = sd_jwt.present(_issue(es256_key), set())
    assert presentation.count("~") == 1
    assert set(DISCLOSABLE).isdisjoint(_verify(presentation, es256_key.public_key()).claims)


def test_present_unknown_claim(es256_key) -> None:
    with pytest.raises(ClaimNotDisclosable):
        sd_jwt.present(_issue(es256_key), {"licence_id"})


def test_key_binding_round_trip(es256_key, holder_key) -> None:
    issued = _issue(es256_key, cnf_jwk=_holder_jwk(holder_key))
    presentation = sd_jwt.present(issued, {"holder_name", "address"})
    with_kb = key_binding.add_key_binding(
        presentation, holder_key, "ES256", "https://verifier.example", "n-123", NOW
    )
    result = _verify(with_kb, es256_key.public_key())
    kb = key_binding.verify_key_binding(
        result.verified,
        audience="https://verifier.example",
        nonce="n-123",
        max_age_seconds=300,
        now=NOW + 10,
    )
    assert kb["sd_hash"] == key_binding.sd_hash(presentation)
    assert result.claims["address"] == CLAIMS["address"]


# --- key binding rejections ----------------------------------------------------------


@pytest.fixture
def kb_setup(es256_key, holder_key):
    issued = _issue(es256_key, cnf_jwk=_holder_jwk(holder_key))
    presentation = sd_jwt.present(issued, {"holder_name"})
    with_kb = key_binding.add_key_binding(
        presentation, holder_key, "ES256", "aud-1", "nonce-1", NOW
    )
    return issued, presentation, with_kb


def _check_kb(text, es256_key, **overrides):
    verified = _verify(text, es256_key.public_key()).verified
    args = dict(audience="aud-1", nonce="nonce-1", max_age_seconds=300, now=NOW + 10)
    args.update(overrides)
    return key_binding.verify_key_binding(verified, **args)


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"audience": "aud-2"}, AudienceMismatch),
        ({"nonce": "nonce-2"}, NonceMismatch),
        ({"now": NOW + 301}, KeyBindingStale),
        ({"now": NOW - 3600}, KeyBindingStale),
    ],
)
def test_kb_claim_mismatches(kb_setup, es256_key, overrides, error) -> None:
    with pytest.raises(error):
        _check_kb(kb_setup[2], es256_key, **overrides)


def test_kb_missing(kb_setup, es256_key) -> None:
    with pytest.raises(KeyBindingMissing):
        _check_kb(kb_setup[1], es256_key)


def test_kb_sd_hash_covers_disclosures(kb_setup, es256_key) -> None:
    issued, presentation, with_kb = kb_setup
    kb_jwt = with_kb.rsplit("~", 1)[1]
    # Same KB-JWT reused for a presentation with a different Disclosure set.
    other = sd_jwt.present(issued, {"holder_name", "address"}) + kb_jwt
    with pytest.raises(SdHashMismatch):
        _check_kb(other, es256_key)


def test_kb_signed_by_wrong_key(kb_setup, es256_key, other_es256_key) -> None:
    forged = key_binding.add_key_binding(
        kb_setup[1], other_es256_key, "ES256", "aud-1", "nonce-1", NOW
    )
    with pytest.raises(InvalidSignature):
        _check_kb(forged, es256_key)


def test_kb_wrong_typ(kb_setup, es256_key, holder_key) -> None:
    presentation = kb_setup[1]
    payload = {
        "iat": NOW,
        "aud": "aud-1",
        "nonce": "nonce-1",
        "sd_hash": key_binding.sd_hash(presentation),
    }
    token = _resign(holder_key, {"typ": "JWT"}, payload)
    with pytest.raises(InvalidHeader):
        _check_kb(presentation + token, es256_key)


def test_kb_alg_none_rejected(kb_setup, es256_key) -> None:
    presentation = kb_setup[1]
    payload = {
        "iat": NOW,
        "aud": "aud-1",
        "nonce": "nonce-1",
        "sd_hash": key_binding.sd_hash(presentation),
    }
    header = base64url.encode(json.dumps({"alg": "none", "typ": "kb+jwt"}).encode())
    token = f"{header}.{base64url.encode(json.dumps(payload).encode())}.c2ln"
    with pytest.raises(UnsupportedAlgorithm):
        _check_kb(presentation + token, es256_key)


def test_holder_rejects_kb_input(kb_setup) -> None:
    with pytest.raises(KeyBindingNotAllowed):
        sd_jwt.present(kb_setup[2], {"holder_name"})
    with pytest.raises(KeyBindingNotAllowed):
        key_binding.add_key_binding(kb_setup[2], None, "ES256", "a", "n", NOW)


# --- signature and header rejections ---------------------------------------------


def test_wrong_issuer_key(es256_key, other_es256_key) -> None:
    with pytest.raises(InvalidSignature) as info:
        _verify(_issue(es256_key), other_es256_key.public_key())
    assert info.value.code == "invalid_signature"


def test_key_type_mismatch(es256_key, ed25519_key) -> None:
    with pytest.raises(KeyAlgorithmMismatch):
        _verify(_issue(es256_key), ed25519_key.public_key())


def test_alg_not_in_allow_list(ed25519_key) -> None:
    with pytest.raises(UnsupportedAlgorithm):
        sd_jwt_vc.verify(
            _issue(ed25519_key, alg="EdDSA"),
            public_key=ed25519_key.public_key(),
            algorithms=["ES256"],
            now=NOW,
        )


def test_none_cannot_be_allowed(es256_key) -> None:
    with pytest.raises(UnsupportedAlgorithm):
        sd_jwt_vc.verify(
            _issue(es256_key), public_key=es256_key.public_key(), algorithms=["none"], now=NOW
        )


def test_alg_none_header_rejected(es256_key) -> None:
    issued = _issue(es256_key)
    jwt_part, rest = issued.split("~", 1)
    _, payload, _ = _segments(jwt_part)
    header = base64url.encode(json.dumps({"alg": "none", "typ": "dc+sd-jwt"}).encode())
    # An unsecured JWS has an empty signature: structurally rejected.
    with pytest.raises(MalformedError):
        _verify(f"{header}.{payload}.~{rest}", es256_key.public_key())
    # With some signature bytes it reaches the algorithm allow-list and fails there.
    with pytest.raises(UnsupportedAlgorithm):
        _verify(f"{header}.{payload}.c2ln~{rest}", es256_key.public_key())


def test_tampered_payload(es256_key) -> None:
    issued = _issue(es256_key)
    jwt_part, rest = issued.split("~", 1)
    header, payload, signature = _segments(jwt_part)
    claims = json.loads(base64url.decode(payload))
    claims["licence_id"] = "GD-BL-2025-999999"
    forged = f"{header}.{base64url.encode(json.dumps(claims).encode())}.{signature}~{rest}"
    with pytest.raises(InvalidSignature):
        _verify(forged, es256_key.public_key())


def test_wrong_typ_rejected(es256_key) -> None:
    token = sd_jwt.issue(
        {"vct": VCT, "exp": NOW + 100},
        set(),
        private_key=es256_key,
        alg="ES256",
        headers={"typ": "JWT"},
    )
    with pytest.raises(InvalidHeader):
        _verify(token, es256_key.public_key())


def test_expired_and_not_yet_valid(es256_key) -> None:
    with pytest.raises(Expired):
        _verify(_issue(es256_key, exp=NOW), es256_key.public_key())
    with pytest.raises(NotYetValid):
        _verify(_issue(es256_key, nbf=NOW + 3600), es256_key.public_key())


def test_resolve_requires_verified(es256_key) -> None:
    with pytest.raises(TypeError):
        sd_jwt.resolve_disclosures(sd_jwt.parse(_issue(es256_key)))  # type: ignore[arg-type]


# --- Disclosure rejections --------------------------------------------------------


def _make_disclosure(*content) -> str:
    return base64url.encode(json.dumps(list(content)).encode())


def test_tampered_disclosure_is_unreferenced(es256_key) -> None:
    issued = _issue(es256_key)
    parts = issued.split("~")
    original = disclosure.decode(parts[1])
    parts[1] = _make_disclosure(original.salt, original.name, "篡改的值")
    with pytest.raises(UnreferencedDisclosure) as info:
        _verify("~".join(parts), es256_key.public_key())
    assert info.value.code == "unreferenced_disclosure"


def test_injected_disclosure_rejected(es256_key) -> None:
    injected = _make_disclosure(disclosure.new_salt(), "extra_claim", "x")
    with pytest.raises(UnreferencedDisclosure):
        sd_jwt.parse(_issue(es256_key) + injected + "~")


def test_duplicate_disclosure_rejected(es256_key) -> None:
    issued = _issue(es256_key)
    first = issued.split("~")[1]
    with pytest.raises(DuplicateDisclosure):
        sd_jwt.parse(issued + first + "~")


def _signed_with_payload(key, payload: dict, *disclosures: str) -> str:
    token = _resign(key, {"typ": "dc+sd-jwt", "kid": "k"}, payload)
    return "~".join([token, *disclosures, ""])


def test_duplicate_digest_in_payload_rejected(es256_key) -> None:
    raw = _make_disclosure("salt-salt-salt", "name", "value")
    digest = disclosure.digest(raw)
    text = _signed_with_payload(es256_key, {"_sd": [digest], "nested": {"_sd": [digest]}}, raw)
    with pytest.raises(DuplicateDigest):
        sd_jwt.parse(text)


def test_claim_name_collision_rejected(es256_key) -> None:
    raw = _make_disclosure("salt-salt-salt", "licence_id", "other")
    text = _signed_with_payload(
        es256_key, {"licence_id": "x", "_sd": [disclosure.digest(raw)]}, raw
    )
    with pytest.raises(ClaimCollision):
        sd_jwt.parse(text)


@pytest.mark.parametrize("name", ["_sd", "..."])
def test_reserved_claim_name_rejected(es256_key, name: str) -> None:
    raw = _make_disclosure("salt-salt-salt", name, ["x"])
    text = _signed_with_payload(es256_key, {"_sd": [disclosure.digest(raw)]}, raw)
    with pytest.raises(ReservedClaimName):
        sd_jwt.parse(text)


@pytest.mark.parametrize(
    "content",
    [
        ["only-one"],
        ["s", "n", "v", "extra"],
        [1, "name", "value"],
        ["salt", 5, "value"],
        {"salt": "s"},
    ],
)
def test_wrong_disclosure_shapes(es256_key, content) -> None:
    raw = base64url.encode(json.dumps(content).encode())
    with pytest.raises(InvalidDisclosure):
        sd_jwt.parse(_signed_with_payload(es256_key, {"_sd": [disclosure.digest(raw)]}, raw))


def test_array_disclosure_in_sd_rejected(es256_key) -> None:
    raw = _make_disclosure("salt-salt-salt", "FR")
    with pytest.raises(InvalidDisclosure):
        sd_jwt.parse(_signed_with_payload(es256_key, {"_sd": [disclosure.digest(raw)]}, raw))


def test_array_element_disclosures_processed(es256_key) -> None:
    fr = _make_disclosure("salt-salt-salt", "FR")
    payload = {
        "vct": VCT,
        "exp": NOW + 100,
        "nationalities": ["DE", {"...": disclosure.digest(fr)}, {"...": "decoy"}],
    }
    text = _signed_with_payload(es256_key, payload, fr)
    verified = sd_jwt.verify_signature(sd_jwt.parse(text), es256_key.public_key(), ["ES256"])
    assert sd_jwt.resolve_disclosures(verified)["nationalities"] == ["DE", "FR"]


def test_unsupported_sd_alg(es256_key) -> None:
    with pytest.raises(UnsupportedHashAlgorithm):
        sd_jwt.parse(_signed_with_payload(es256_key, {"_sd_alg": "md5"}))


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("no-tilde-here", MalformedError),
        ("a.b~", MalformedError),
        ("!!!.e30.c2ln~", InvalidBase64),
        ("e30.bm90LWpzb24.c2ln~", InvalidJson),
        ("e30.e30.c2ln~~", MalformedError),
        ("e30.e30.c2ln~not*b64~", InvalidBase64),
        ("e30.e30.c2ln~" + base64url.encode(b"not json") + "~", InvalidJson),
    ],
)
def test_malformed_inputs(text: str, error: type) -> None:
    with pytest.raises(error):
        sd_jwt.parse(text)


def test_truncated_sd_jwt(es256_key) -> None:
    issued = _issue(es256_key)
    with pytest.raises((MalformedError, InvalidSignature)):
        _verify(issued[: len(issued) // 3] + "~", es256_key.public_key())


def test_duplicate_json_member_rejected() -> None:
    payload = base64url.encode(b'{"a":1,"a":2}')
    with pytest.raises(InvalidJson):
        sd_jwt.parse(f"e30.{payload}.c2ln~")


@pytest.mark.parametrize("bad", [{"iss"}, {"vct"}, {"missing"}])
def test_issuance_input_checks(es256_key, bad) -> None:
    claims = dict(CLAIMS)
    if "iss" in bad or "vct" in bad:
        claims.update({name: "x" for name in bad})
        bad = set()
    with pytest.raises(InvalidIssuanceRequest):
        sd_jwt_vc.issue(
            claims,
            bad,
            private_key=es256_key,
            alg="ES256",
            kid="k",
            iss=ISS,
            vct=VCT,
            iat=NOW,
            nbf=NOW,
            exp=NOW + 1,
        )


# --- independent verifiers --------------------------------------------------------


def test_jwcrypto_verifies_issuer_signature(es256_key, ed25519_key) -> None:
    for key, alg in ((es256_key, "ES256"), (ed25519_key, "EdDSA")):
        issued = _issue(key, alg=alg)
        token = jwcrypto_jws.JWS()
        token.deserialize(issued.split("~", 1)[0])
        token.verify(jwcrypto_jwk.JWK.from_pyca(key.public_key()), alg=alg)
        assert json.loads(token.payload)["vct"] == VCT


def test_sd_jwt_reference_verifier_accepts_presentation(es256_key, holder_key) -> None:
    verifier_module = importlib.import_module("sd_jwt.verifier")
    issued = _issue(es256_key, cnf_jwk=_holder_jwk(holder_key))
    presentation = sd_jwt.present(issued, {"holder_name", "address"})
    with_kb = key_binding.add_key_binding(
        presentation, holder_key, "ES256", "aud-x", "nonce-x", NOW
    )
    issuer_jwk = jwcrypto_jwk.JWK.from_pyca(es256_key.public_key())
    verifier = verifier_module.SDJWTVerifier(
        with_kb, lambda iss, header: issuer_jwk, expected_aud="aud-x", expected_nonce="nonce-x"
    )
    payload = verifier.get_verified_payload()
    assert payload["holder_name"] == CLAIMS["holder_name"]
    assert payload["address"] == CLAIMS["address"]
    assert "holder_code" not in payload


def test_sd_jwt_reference_verifier_rejects_tampering(es256_key, other_es256_key) -> None:
    verifier_module = importlib.import_module("sd_jwt.verifier")
    issuer_jwk = jwcrypto_jwk.JWK.from_pyca(other_es256_key.public_key())
    with pytest.raises(Exception):  # noqa: B017 - any jwcrypto rejection is fine here
        verifier_module.SDJWTVerifier(_issue(es256_key), lambda iss, header: issuer_jwk)
