"""The pipeline on the corpus with in-memory sources: every case, both forms."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from credentials.formats import key_binding, sd_jwt_vc, status_list
from keys.jwk import public_jwk
from tests.verify.corpus import CASES, DEPT_USCC, FOOD_TYPE, ISSUER, STATUS_URI, new_corpus
from verify import pipeline
from verify.pipeline import Verifier
from verify.presentations import KeyBindingRequest
from verify.sources import InMemoryReferences

FORMS = ("sd_jwt", "offline")
STEPS = [name for name, _ in pipeline.PIPELINE]


@pytest.fixture(scope="module")
def corpus():
    return new_corpus()


def _verifier(corpus, **kw):
    return Verifier(trust=corpus.trust(), status=corpus.status(), clock=lambda: corpus.now, **kw)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_corpus_verdicts(corpus, case, form):
    result = _verifier(corpus).verify(corpus.case(case, form))
    assert result.status == CASES[case], result.to_json()
    assert result.valid is (CASES[case] == "valid")
    assert [c.step for c in result.checks] == STEPS
    if result.valid:
        assert all(c.ok for c in result.checks)
        assert result.license["type_name"] == "食品经营许可证"
        assert result.license["claims"]["经营者名称"] == "张三小吃店"
    else:
        failed = [c for c in result.checks if c.ok is False]
        assert len(failed) == 1 and failed[0].reason


EXPECTED_STEP = {"tampered": {"sd_jwt": "disclosures", "offline": "signature"},
                 "revoked_key": "key", "untrusted_issuer": "issuer_trusted",
                 "wrong_type": "issuer_trusted", "malformed": "parse", "expired": "time",
                 "not_yet_valid": "time", "revoked": "status", "suspended": "status"}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("case", sorted(EXPECTED_STEP))
def test_failure_names_its_step(corpus, case, form):
    result = _verifier(corpus).verify(corpus.case(case, form))
    expected = EXPECTED_STEP[case]
    expected = expected[form] if isinstance(expected, dict) else expected
    assert result.failed_step == expected


def test_no_licence_details_before_the_signature(corpus):
    for case in ("untrusted_issuer", "revoked_key", "tampered", "malformed"):
        result = _verifier(corpus).verify(corpus.case(case, "offline"))
        assert result.license is None


def test_revoked_result_names_the_licence_but_not_its_claims(corpus):
    result = _verifier(corpus).verify(corpus.case("revoked", "sd_jwt")).to_json()
    assert result["license"]["identifier"].startswith("1.2.156.3005.2.")
    assert "claims" not in result["license"]


@pytest.mark.parametrize("garbage", [
    "", "   ", "hello", "LIC1:", "LIC1:!!!!", "~", "a.b.c~", "x" * 70000, "LIC1:" + "0" * 9000,
    "https://evil.example/x", "http://h/v/1.2.3?t=", "eyJhbGciOiJub25lIn0.e30.~", "\x00\xff~",
])
def test_garbage_is_invalid_never_an_exception(corpus, garbage):
    result = _verifier(corpus).verify(garbage)
    assert (result.valid, result.status, result.failed_step) == (False, "invalid", "parse")


def test_leeway_applies_to_exp(corpus):
    text = corpus.issue("offline", iat=corpus.now - 1000, exp=corpus.now - 30)
    assert _verifier(corpus, leeway=60).verify(text).status == "valid"
    assert _verifier(corpus, leeway=0).verify(text).status == "expired"


def test_algorithm_allow_list(corpus):
    text = corpus.case("valid", "sd_jwt")
    result = Verifier(trust=corpus.trust(), status=corpus.status(), clock=lambda: corpus.now,
                      algorithms=("EdDSA",)).verify(text)
    assert (result.status, result.failed_step) == ("invalid", "algorithm")
    with pytest.raises(ValueError):
        Verifier(trust=corpus.trust(), status=corpus.status(), algorithms=("HS256",))


def test_status_list_cached_per_ttl(corpus):
    status = corpus.status()
    clock = [corpus.now]
    verifier = Verifier(trust=corpus.trust(), status=status, clock=lambda: clock[0])
    for _ in range(3):
        assert verifier.verify(corpus.case("valid", "offline")).valid
    assert status.fetches == 1
    clock[0] += 301
    verifier.verify(corpus.case("valid", "offline"))
    assert status.fetches == 2


def test_status_list_signed_by_a_stranger_gives_no_verdict(corpus):
    status = corpus.status()
    status.tokens[STATUS_URI] = status_list.status_list_jwt(
        status_list.StatusList(64), uri=STATUS_URI, iat=corpus.now,
        exp=corpus.now + 60, ttl=60, private_key=corpus.rogue.private, alg="ES256",
        kid=corpus.rogue.kid)
    verifier = Verifier(trust=corpus.trust(), status=status, clock=lambda: corpus.now)
    result = verifier.verify(corpus.case("valid", "sd_jwt"))
    assert (result.status, result.failed_step) == ("invalid", "status")


def test_online_reference_resolves_to_the_same_verdict(corpus):
    text = corpus.case("revoked", "sd_jwt")
    identifier = _verifier(corpus).verify(text).license["identifier"]
    refs = InMemoryReferences({(identifier, "tok123"): text})
    verifier = _verifier(corpus, references=refs)
    url = f"https://onegate.example/v/{identifier}?t=tok123"
    assert verifier.verify(url).status == "revoked"
    assert verifier.verify(url.replace("tok123", "nope")).status == "invalid"
    assert _verifier(corpus).verify(url).failed_step == "parse"  # offline: no resolver


def test_key_binding_requested_and_checked(corpus):
    holder = ec.generate_private_key(ec.SECP256R1())
    identifier = corpus.identifier(FOOD_TYPE, DEPT_USCC)
    text = sd_jwt_vc.issue(
        {"licence_id": identifier, "licence_type": FOOD_TYPE}, set(),
        private_key=corpus.active.private, alg="ES256", kid=corpus.active.kid,
        iss=ISSUER, vct="https://onegate.example/vct/x", iat=corpus.now - 5,
        nbf=corpus.now - 5, exp=corpus.now + 3600,
        status=status_list.reference(7, STATUS_URI),
        cnf_jwk=public_jwk(holder.public_key()))
    presented = key_binding.add_key_binding(text, holder, "ES256", "hall-7", "n-1", corpus.now)
    verifier = _verifier(corpus)
    good = KeyBindingRequest(audience="hall-7", nonce="n-1")
    assert verifier.verify(presented, key_binding=good).valid
    replay = verifier.verify(presented, key_binding=KeyBindingRequest("hall-7", "n-2"))
    assert (replay.status, replay.failed_step) == ("invalid", "key_binding")
    missing = verifier.verify(text, key_binding=good)
    assert missing.failed_step == "key_binding"
    offline = verifier.verify(corpus.case("valid", "offline"), key_binding=good)
    assert offline.failed_step == "key_binding"

