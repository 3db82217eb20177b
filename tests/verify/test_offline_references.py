"""The offline form names its issuer, key and status list by reference; the pipeline
resolves them through the trust list (department code, 8-byte kid prefix, list id)."""

from __future__ import annotations

import dataclasses

import pytest

from credentials.formats import base45, compact_licence, cose, cwt, inflate, offline_qr
from credentials.formats.errors import InvalidClaim
from tests.verify.corpus import DEPT_USCC, FOOD_TYPE, ISSUER, STATUS_URI, new_corpus
from verify.pipeline import Verifier
from verify.presentations import OfflinePresentation
from verify.sources import InMemoryTrustSource


@pytest.fixture(scope="module")
def corpus():
    return new_corpus()


def _verify(corpus, text, trust=None):
    return Verifier(trust=trust or corpus.trust(), status=corpus.status(),
                    clock=lambda: corpus.now).verify(text)


def test_references_resolve_to_the_issuer_url_key_and_status_list(corpus):
    text = corpus.case("valid", "offline")
    presented = OfflinePresentation.parse(text)
    assert presented.department == "scjg" and presented.iss == "scjg"
    assert len(presented.decoded.kid) == offline_qr.KID_BYTES
    assert presented.trusted_issuer(corpus.trust()).issuer == ISSUER
    assert presented.iss == ISSUER
    assert presented.kid == corpus.active.kid  # the full JWK kid the 8 bytes designate
    assert presented.status_reference()[1] == STATUS_URI
    result = _verify(corpus, text)
    assert result.valid and result.license["issuer"] == ISSUER
    assert result.license["claims"]["holder_code_type"] == "111"


def test_an_unknown_or_ambiguous_department_code_is_untrusted(corpus):
    text = corpus.case("valid", "offline")
    issuer = corpus.trusted_issuer()
    twice = InMemoryTrustSource([issuer, dataclasses.replace(issuer, issuer=ISSUER + "2")])
    assert _verify(corpus, text, twice).status == "untrusted"
    renamed = InMemoryTrustSource([dataclasses.replace(issuer, code="other")])
    assert _verify(corpus, text, renamed).status == "untrusted"


def test_a_kid_prefix_matching_two_published_keys_names_no_key(corpus):
    issuer = corpus.trusted_issuer()
    kid = corpus.active.kid
    lookalike = {**corpus.retired.jwk, "kid": kid[:12] + ("A" if kid[12] != "A" else "B")
                 + kid[13:]}
    assert offline_qr.kid_matches(offline_qr.kid_prefix(kid), lookalike["kid"])
    trust = InMemoryTrustSource([dataclasses.replace(issuer, jwks=(*issuer.jwks, lookalike))])
    result = _verify(corpus, corpus.case("valid", "offline"), trust)
    assert (result.status, result.failed_step) == ("invalid", "key")


def test_the_old_layout_is_unreadable(corpus):
    """Text keys, the issuer URL as iss and the whole kid as UTF-8: refused at parse."""
    old = {"i": corpus.identifier(FOOD_TYPE, DEPT_USCC), "t": FOOD_TYPE, "n": "张三",
           "h": ["111", "11010519491231002X"], "c": {}, "s": [7, STATUS_URI]}
    with pytest.raises(InvalidClaim):
        compact_licence.unpack(old)
    payload = cwt.encode(old, iss=ISSUER, iat=corpus.now, nbf=None, exp=corpus.now + 60)
    message = cose.sign1(payload, private_key=corpus.active.private, alg="ES256",
                         kid=corpus.active.kid)
    result = _verify(corpus, "LIC1:" + base45.encode(inflate.compress(message)))
    assert (result.status, result.failed_step) == ("invalid", "parse")
