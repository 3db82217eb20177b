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


@pytest.mark.parametrize("case", ["revoked", "suspended", "expired", "not_yet_valid"])
def test_refused_signed_licence_names_its_holder(corpus, case):
    """The clerk must know whose licence was refused: identifier, type and holder, from
    the signed (and digest-checked) claims."""
    result = _verifier(corpus).verify(corpus.case(case, "sd_jwt")).to_json()
    assert result["status"] == case
    licence = result["license"]
    assert licence["identifier"].startswith("1.2.156.3005.2.")
    assert licence["type"] and licence["holder_name"] == "张三"
    assert {"claim": "holder_name", "label": "持证人", "value": "张三"} in licence["display"]


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



def _status_token(corpus, **states):
    lst = status_list.StatusList(1024, 2)
    for idx, value in states.items():
        lst.set(int(idx.removeprefix("i")), value)
    return status_list.status_list_jwt(
        lst, uri=STATUS_URI, iat=corpus.now - 5, exp=corpus.now + 86400, ttl=300,
        private_key=corpus.active.private, alg="ES256", kid=corpus.active.kid)


def test_live_status_source_is_asked_every_time(corpus):
    """Our own database is the authority: no ttl cache in front of it, so a revocation
    is seen by the very next verification (an outside source keeps its ttl cache)."""
    from tests.verify.corpus import IDX_VALID

    status = corpus.status()
    status.live = True
    text = corpus.case("valid", "sd_jwt")
    verifier = Verifier(trust=corpus.trust(), status=status, clock=lambda: corpus.now)
    assert verifier.verify(text).status == "valid"
    status.tokens[STATUS_URI] = _status_token(corpus, **{f"i{IDX_VALID}": status_list.INVALID})
    assert verifier.verify(text).status == "revoked"
    status.tokens[STATUS_URI] = _status_token(corpus,
                                              **{f"i{IDX_VALID}": status_list.SUSPENDED})
    assert verifier.verify(text).status == "suspended"
    status.tokens[STATUS_URI] = _status_token(corpus)
    assert verifier.verify(text).status == "valid"
    assert status.fetches == 4


def test_the_service_status_source_is_live():
    from verify.online import LocalStatusSource
    from verify.status_cache import StatusCache

    assert StatusCache(LocalStatusSource(None, None, "https://x"), ("ES256",)).live


def test_foreign_reference_url_is_refused(corpus):
    text = corpus.case("valid", "sd_jwt")
    identifier = _verifier(corpus).verify(text).license["identifier"]
    refs = InMemoryReferences({(identifier, "tok123"): text}, origin="https://onegate.example")
    verifier = _verifier(corpus, references=refs)
    assert verifier.verify(f"https://onegate.example/v/{identifier}?t=tok123").valid
    assert verifier.verify(f"HTTPS://OneGate.example:443/v/{identifier}?t=tok123").valid
    for foreign in (f"http://evil.example/v/{identifier}?t=tok123",
                    f"http://onegate.example/v/{identifier}?t=tok123",
                    f"https://onegate.example.evil.example/v/{identifier}?t=tok123",
                    f"https://onegate.example:8443/v/{identifier}?t=tok123",
                    f"https://onegate.example@evil.example/v/{identifier}?t=tok123"):
        result = verifier.verify(foreign)
        assert (result.status, result.failed_step) == ("invalid", "parse"), foreign
        assert "not on this service" in result.reason and "不属于本系统" in result.reason_zh


def test_claims_are_labelled_in_chinese(corpus):
    import dataclasses

    from verify.sources import InMemoryTrustSource

    titled = dataclasses.replace(corpus.trusted_issuer(),
                                 claim_titles={FOOD_TYPE: {"经营场所": "经营场所（标题）"}})
    verifier = Verifier(trust=InMemoryTrustSource([titled]), status=corpus.status(),
                        clock=lambda: corpus.now)
    result = verifier.verify(corpus.case("valid", "sd_jwt")).to_json()
    labels = {item["claim"]: item["label"] for item in result["license"]["display"]}
    assert labels["经营场所"] == "经营场所（标题）"          # the type's schema title
    assert labels["holder_name"] == "持证人"                 # the standard table
    assert labels["holder_code"] == "证件号码"
    assert "licence_id" not in labels  # shown as the identifier row, not again
    assert result["reason_zh"] == "全部核验通过"
    assert all(check["reason_zh"] for check in result["checks"])


def test_code_types_and_values_are_shown_in_chinese():
    from verify.labels import display

    shown = display({"holder_id_type": "111", "holder_code_type": "001", "entity_type": "x",
                     "items": ["a", "b"], "ok": True, "license_id": "1.2"},
                    {"entity_type": "类型"})
    assert shown == [
        {"claim": "holder_id_type", "label": "证件类型", "value": "居民身份证"},
        {"claim": "holder_code_type", "label": "证件类型", "value": "统一社会信用代码"},
        {"claim": "entity_type", "label": "类型", "value": "x"},
        {"claim": "items", "label": "items", "value": "a、b"},
        {"claim": "ok", "label": "ok", "value": "是"}]


@pytest.mark.parametrize(("case", "words"), [
    ("revoked", "吊销"), ("suspended", "暂停"), ("expired", "过期"),
    ("untrusted_issuer", "信任列表"), ("tampered", "签名"), ("malformed", "无法识别")])
def test_failure_reasons_in_chinese(corpus, case, words):
    result = _verifier(corpus).verify(corpus.case(case, "sd_jwt"))
    assert words in result.reason_zh, result.reason_zh
    assert result.reason.isascii()  # the English reason stays for API clients and logs


def test_new_key_material_under_a_known_kid_is_parsed_again(corpus):
    """The parsed-key cache is keyed by kid but kept only while the published JWK is the
    same: an issuer that republishes a kid with other material is checked against the
    new material, not a stale parse (and the old signature stops verifying)."""
    from verify.sources import InMemoryTrustSource, TrustedIssuer

    text = corpus.case("valid", "sd_jwt")
    issuer = corpus.trusted_issuer()
    verifier = _verifier(corpus)
    assert verifier.verify(text).valid
    other = public_jwk(ec.generate_private_key(ec.SECP256R1()).public_key())
    swapped = {**other, "kid": corpus.active.kid, "alg": "ES256", "use": "sig"}
    verifier.trust = InMemoryTrustSource([TrustedIssuer(
        issuer=issuer.issuer, code=issuer.code, name=issuer.name,
        jwks=(swapped, corpus.retired.jwk), licence_types=issuer.licence_types,
        uscc=issuer.uscc, type_names=issuer.type_names)])
    result = verifier.verify(text)
    assert (result.status, result.failed_step) == ("invalid", "signature")
    verifier.trust = corpus.trust()
    assert verifier.verify(text).valid


def test_the_parsed_key_cache_is_bounded(corpus, monkeypatch):
    monkeypatch.setattr(pipeline, "MAX_CACHED_KEYS", 3)
    verifier = _verifier(corpus)
    for _ in range(10):
        jwk = public_jwk(ec.generate_private_key(ec.SECP256R1()).public_key())
        verifier.public_key({**jwk, "kid": jwk["x"][:8]})
    assert len(verifier._keys) <= 3
    with pytest.raises(ValueError):
        verifier.public_key({"kty": "EC", "kid": "k", "crv": "P-256", "x": "AA"})


def test_passed_checks_are_shared_but_bounded(corpus, monkeypatch):
    monkeypatch.setattr(pipeline, "MAX_CACHED_CHECKS", 4)
    verifier = _verifier(corpus)
    first = verifier.verify(corpus.case("valid", "sd_jwt"))
    again = verifier.verify(corpus.case("valid", "sd_jwt"))
    assert first.checks == again.checks
    assert [c.ok for c in again.checks] == [True] * len(STEPS)
    assert len(verifier._checks) <= 4
    from verify import labels
    assert verifier.passed("time", ("a", "")).reason_zh == labels.STEPS["time"] + "通过"
