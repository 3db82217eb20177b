"""The pure chain: canonical form, hashing, link checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

from audit import chain

AT = datetime(2025, 3, 1, 8, 30, 0, 123456, tzinfo=UTC)


def _entry(seq, prev, **over):
    fields = dict(seq=seq, prev_hash=prev, at=AT, actor="client:hall-1", action="verify",
                  subject="1.2.156", data={"结果": "valid"})
    fields.update(over)
    fields["hash"] = chain.entry_hash(**{k: fields[k] for k in
                                         ("seq", "prev_hash", "at", "actor", "action",
                                          "subject", "data")})
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
    assert chain.check_link(first, None) is None
    assert chain.check_link(second, first) is None
    assert "edited" in chain.check_link(SimpleNamespace(**{**vars(second), "actor": "x"}), first)
    assert "deleted" in chain.check_link(_entry(3, first.hash), first)
    assert "prev_hash" in chain.check_link(_entry(2, "f" * 64), first)
    assert "deleted" in chain.check_link(_entry(2, chain.GENESIS), None)
