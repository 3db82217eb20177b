"""The Verifier's own caches: parsed licence identifiers (bounded, only good parses
kept, a bad identifier still refused every time) and the status source's uris."""

from __future__ import annotations

import pytest

from identifiers import InvalidIdentifier
from tests.verify.corpus import new_corpus
from verify import pipeline
from verify.pipeline import Verifier


@pytest.fixture(scope="module")
def corpus():
    return new_corpus()


def _verifier(corpus) -> Verifier:
    return Verifier(trust=corpus.trust(), status=corpus.status(), clock=lambda: corpus.now)


def test_identifiers_are_parsed_once_and_the_cache_is_bounded(corpus, monkeypatch):
    verifier = _verifier(corpus)
    text = corpus.case("valid", "sd_jwt")
    assert verifier.verify(text).valid
    assert len(verifier._identifiers) == 1
    parsed = next(iter(verifier._identifiers.values()))
    assert verifier.verify(text).valid and next(iter(verifier._identifiers.values())) is parsed
    monkeypatch.setattr(pipeline, "MAX_CACHED_IDENTIFIERS", 2)
    good = next(iter(verifier._identifiers))
    for _ in range(5):
        verifier.licence_id(good)
    assert len(verifier._identifiers) <= 2


def test_a_bad_identifier_is_refused_every_time_and_never_kept(corpus):
    verifier = _verifier(corpus)
    for _ in range(3):
        with pytest.raises(InvalidIdentifier):
            verifier.licence_id("1.2.156.3005.2.not-an-identifier")
    assert verifier._identifiers == {}


@pytest.mark.parametrize("form", ["sd_jwt", "offline_qr"])
def test_cached_paths_give_the_same_verdicts(corpus, form):
    verifier = _verifier(corpus)
    for case in ("valid", "revoked"):
        text = corpus.case(case, form)
        first = verifier.verify(text).to_json()
        assert verifier.verify(text).to_json() == first
        assert first["status"] == case
