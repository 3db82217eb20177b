"""Live status bits for the in-process verifier (credentials.status.list_state through
verify.online.LocalStatusSource): a revocation is visible on the next read, nothing is
signed to be verified again, a foreign or hostile uri is refused, the cache is bounded."""

from __future__ import annotations

import pytest

from credentials import status
from credentials.formats import status_list
from tests.credentials.helpers import dept_headers
from verify.errors import StatusUnavailable
from verify.online import LocalStatusSource
from verify.sources import TrustedIssuer
from verify.status_cache import StatusCache


def _source(app, cache=None) -> LocalStatusSource:
    # Each read in its own session, as each request has its own unit of work; the
    # previous one is closed (all_tokens reads every list of the shared test database:
    # sessions left to the garbage collector would exhaust the connection pool).
    opened: list = []

    def session():
        while opened:
            opened.pop().close()
        opened.append(app.services.sessions())
        return opened[-1]

    return LocalStatusSource(session, app.services.keyring, "http://localhost", cache=cache)


def test_revocation_is_seen_on_the_next_read_without_signing(client, app, dept, monkeypatch):
    h = dept_headers(app, dept)
    licence = client.post("/api/v1/licenses", json=dept.body(), headers=h).get_json()
    idx, uri = licence["status"]["idx"], licence["status"]["uri"]

    def no_signing(*args, **kwargs):
        raise AssertionError("the verifier's status step must not sign a list")

    monkeypatch.setattr(status_list, "status_list_jwt", no_signing)
    cache = status.SignedListCache()
    source = _source(app, cache)
    owner, bits = source.status_bits(uri)
    assert owner == f"http://localhost/issuers/{dept.code}" and bits.get(idx) == 0
    assert source.status_bits(uri)[1] is bits  # same version: the decoded list is reused
    assert client.post(f"/api/v1/licenses/{licence['identifier']}/revoke",
                       json={"reason": "测试"}, headers=h).status_code == 200
    assert source.status_bits(uri)[1].get(idx) == status_list.INVALID
    assert client.post(f"/api/v1/licenses/{licence['identifier']}/suspend",
                       json={"reason": "测试"}, headers=h).status_code in (200, 409)
    assert len(cache) == 1


@pytest.mark.parametrize("bad", ["", "http://localhost/issuers/x/status/",
                                 "http://localhost/issuers/x/status/" + "a" * 5000,
                                 "http://localhost/issuers/x/status/nope", "no-slash",
                                 "http://localhost/issuers/x/status/\x00"])
def test_unknown_or_hostile_uris_are_unavailable(app, bad):
    with pytest.raises(StatusUnavailable):
        _source(app).status_bits(bad)


def test_a_list_of_another_department_is_refused(client, app, dept):
    h = dept_headers(app, dept)
    licence = client.post("/api/v1/licenses", json=dept.body(), headers=h).get_json()
    uri = licence["status"]["uri"]
    other = uri.replace(f"/issuers/{dept.code}/", "/issuers/someoneelse/")
    with pytest.raises(StatusUnavailable):
        _source(app).status_bits(other)
    stranger = TrustedIssuer(issuer="http://localhost/issuers/someoneelse", code="x",
                             name="x", jwks=(), licence_types=frozenset())
    with pytest.raises(StatusUnavailable, match="issuer"):
        StatusCache(_source(app), ("ES256",)).get(stranger, uri, 0)


def test_offline_bundle_tokens_come_from_the_same_cache(client, app, dept):
    h = dept_headers(app, dept)
    licence = client.post("/api/v1/licenses", json=dept.body(), headers=h).get_json()
    cache = status.SignedListCache()
    source = _source(app, cache)
    source.status_bits(licence["status"]["uri"])
    token = source.fetch(licence["status"]["uri"])
    assert len(cache) == 1 and source.fetch(licence["status"]["uri"]) == token
    tokens = source.all_tokens()
    assert tokens[licence["status"]["uri"]] == token


def test_cache_is_bounded_least_recently_used_first():
    cache = status.SignedListCache(capacity=2)
    for name in ("a", "b", "c"):
        cache.put_state(status.ListState(name, "d", 1, status_list.StatusList(8)))
    assert len(cache) == 2 and cache.state("a", 1) is None and cache.state("c", 1)
    cache.put_state(status.ListState("c", "d", 0, status_list.StatusList(8)))  # older version
    assert cache.state("c", 1) is not None and cache.state("c", 0) is None
    for kid in range(10):
        cache.put(("c", 1, f"k{kid}"), status.SignedList("t", "e", 10**12))
    assert sum(cache.get(("c", 1, f"k{kid}"), 10) is not None for kid in range(10)) == \
        status.SignedListCache.MAX_KIDS
