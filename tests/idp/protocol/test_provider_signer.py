"""The provider's signer cache (idp.tokens.ProviderSigner): a key written by this
process's ring is used at once; one written elsewhere within the ttl (2 s)."""

from __future__ import annotations

from idp import tokens


class Ring:
    """A key ring's two members the signer cache uses: ``signer`` and ``generation``."""

    def __init__(self):
        self.generation, self.current, self.reads = 0, "kid-1", 0

    def signer(self, owner, alg):
        self.reads += 1
        return (owner, alg, self.current)


def test_a_key_written_here_is_used_at_once_and_one_written_elsewhere_after_the_ttl(
        monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(tokens.time, "monotonic", lambda: now[0])
    ring = Ring()
    cache = tokens.ProviderSigner(ring)
    assert cache.ttl == 2.0
    assert cache._signer("ES256") == ("provider", "ES256", "kid-1")
    assert cache._signer("ES256")[2] == "kid-1" and ring.reads == 1  # cached
    # Another process rotated: not seen before the ttl, seen after it.
    ring.current = "kid-2"
    now[0] += 1.9
    assert cache._signer("ES256")[2] == "kid-1"
    now[0] += 0.2
    assert cache._signer("ES256")[2] == "kid-2" and ring.reads == 2
    # This process's ring wrote a key (rotate, revoke): dropped at once.
    ring.current, ring.generation = "kid-3", 1
    assert cache._signer("ES256")[2] == "kid-3" and ring.reads == 3
    # Each algorithm is its own entry.
    assert cache._signer("RS256") == ("provider", "RS256", "kid-3") and ring.reads == 4
