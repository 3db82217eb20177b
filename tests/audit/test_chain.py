"""The pure chain: canonical form, hashing, link checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

from audit import chain
from audit.keying import derive_chain_key

AT = datetime(2025, 3, 1, 8, 30, 0, 123456, tzinfo=UTC)
KEY = derive_chain_key(b"k" * 32)
FIELDS = ("seq", "prev_hash", "at", "actor", "action", "subject", "data")


def _entry(seq, prev, key=KEY, **over):
    fields = dict(seq=seq, prev_hash=prev, at=AT, actor="client:hall-1", action="verify",
                  subject="1.2.156", data={"结果": "valid"}, hash_alg=chain.KEYED)
    fields.update(over)
    values = [fields[k] for k in FIELDS]
    fields["hash"] = (chain.entry_hash(*values) if fields["hash_alg"] == chain.LEGACY
                      else chain.entry_mac(key, *values))
    return SimpleNamespace(**fields)


def test_naive_and_aware_times_hash_alike():
    naive = AT.replace(tzinfo=None)
    shanghai = AT.astimezone(timezone(timedelta(hours=8)))
    assert chain.canonical_time(naive) == chain.canonical_time(shanghai) == \
        "2025-03-01T08:30:00.123456Z"


def test_canonical_is_sorted_compact_utf8():
    raw = chain.canonical(1, chain.GENESIS, AT, "a", "b", "c", {"z": 1, "a": "证"})
    assert raw.decode("utf-8").endswith('{"a":"证","z":1}]')


def test_links_and_breaks():
    first = _entry(1, chain.GENESIS)
    second = _entry(2, first.hash)
    assert chain.check_link(first, None, KEY) is None
    assert chain.check_link(second, first, KEY) is None
    assert "edited" in chain.check_link(SimpleNamespace(**{**vars(second), "actor": "x"}),
                                        first, KEY)
    assert "deleted" in chain.check_link(_entry(3, first.hash), first, KEY)
    assert "prev_hash" in chain.check_link(_entry(2, "f" * 64), first, KEY)
    assert "deleted" in chain.check_link(_entry(2, chain.GENESIS), None, KEY)


def test_an_unkeyed_or_wrongly_keyed_recomputation_does_not_link():
    first = _entry(1, chain.GENESIS)
    unkeyed = _entry(2, first.hash, hash_alg=chain.LEGACY)
    assert "rewritten as legacy" in chain.check_link(unkeyed, first, KEY)
    bare = SimpleNamespace(**{**vars(unkeyed), "hash_alg": chain.KEYED})
    assert "edited" in chain.check_link(bare, first, KEY)
    wrong = _entry(2, first.hash, key=derive_chain_key(b"w" * 32))
    assert "edited" in chain.check_link(wrong, first, KEY)


def test_legacy_prefix_needs_its_keyed_seal():
    legacy = _entry(1, chain.GENESIS, hash_alg=chain.LEGACY)
    assert chain.check_link(legacy, None, KEY) is None
    assert "no keyed start" in chain.check_end(legacy)
    plain = _entry(2, legacy.hash)
    assert "does not seal" in chain.check_link(plain, legacy, KEY)
    seal = _entry(2, legacy.hash, action=chain.KEYED_START,
                  data=chain.seal_data(1, legacy.hash))
    assert chain.check_link(seal, legacy, KEY) is None
    assert chain.check_end(seal) is None
    stale = _entry(2, legacy.hash, action=chain.KEYED_START, data=chain.seal_data(1, "e" * 64))
    assert "does not seal" in chain.check_link(stale, legacy, KEY)


def test_chain_key_is_hkdf_of_the_kek_under_its_own_label():
    import hashlib
    import hmac

    assert len(KEY) == 32 and KEY != b"k" * 32
    assert derive_chain_key(b"k" * 32) == KEY != derive_chain_key(b"j" * 32)
    # Not the bare KEK, nor an HMAC of it without the label.
    assert KEY != hmac.new(b"k" * 32, b"", hashlib.sha256).digest()
