"""idp.clients.RemoteKeySets: clients' jwks_uri documents, owned by the private_key_jwt
method, reused for their ttl and bounded (no module-level cache)."""

from __future__ import annotations

from idp.clients import RemoteKeySets


class Fetcher:
    def __init__(self):
        self.calls: list[str] = []

    def __call__(self, uri):
        self.calls.append(uri)
        return {"keys": [], "n": len(self.calls)}


def test_reused_within_the_ttl_and_fetched_again_after(monkeypatch):
    now = [100.0]
    monkeypatch.setattr("idp.clients.time.monotonic", lambda: now[0])
    fetch = Fetcher()
    sets = RemoteKeySets(ttl=300, fetch=fetch)
    assert sets.get("https://hall.example/jwks")["n"] == 1
    now[0] += 299
    assert sets.get("https://hall.example/jwks")["n"] == 1
    now[0] += 2
    assert sets.get("https://hall.example/jwks")["n"] == 2  # a rotated key set is followed


def test_bounded_least_recently_used_first():
    fetch = Fetcher()
    sets = RemoteKeySets(max_entries=3, fetch=fetch)
    for n in range(3):
        sets.get(f"https://h{n}.example/jwks")
    sets.get("https://h0.example/jwks")  # used again: kept
    sets.get("https://h3.example/jwks")
    assert len(sets) == 3
    calls = len(fetch.calls)
    sets.get("https://h0.example/jwks")
    assert len(fetch.calls) == calls  # still cached
    sets.get("https://h1.example/jwks")
    assert len(fetch.calls) == calls + 1  # the least recently used went


def test_each_method_instance_owns_its_cache():
    from idp.clients import PrivateKeyJWT

    first, second = PrivateKeyJWT(services=None), PrivateKeyJWT(services=None)
    assert first.remote_jwks is not second.remote_jwks
