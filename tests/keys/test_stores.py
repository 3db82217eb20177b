"""One behaviour for every KeyStore: the in-memory and the SQL store run the same tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from keys import KeyRecord, KeyState, UnknownKey

T0 = datetime(2030, 1, 1, tzinfo=UTC)


def record(kid: str = "kid-1", owner: str = "provider", age: int = 0, **changes) -> KeyRecord:
    values = dict(kid=kid, owner=owner, alg="ES256", state=KeyState.ACTIVE,
                  public_jwk={"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"},
                  encrypted_private=b"OGK1\x00\xff" + kid.encode(),
                  created_at=T0 + timedelta(minutes=age), activates_at=T0 + timedelta(minutes=age))
    values.update(changes)
    return KeyRecord(**values)


def test_add_then_get_returns_an_equal_record(store):
    original = record(retired_at=T0 + timedelta(days=1), state=KeyState.RETIRED)
    store.add(original)
    loaded = store.get("kid-1")
    assert loaded == original
    assert isinstance(loaded.state, KeyState)
    assert loaded.created_at.tzinfo is not None and loaded.retired_at.tzinfo is not None


def test_get_unknown_is_none(store):
    assert store.get("nope") is None


def test_add_twice_is_refused(store):
    store.add(record())
    with pytest.raises(ValueError):
        store.add(record())


def test_save_overwrites(store):
    store.add(record())
    changed = store.get("kid-1")
    changed.state, changed.revoked_at, changed.published = KeyState.REVOKED, T0, False
    store.save(changed)
    assert store.get("kid-1") == changed


def test_save_unknown_raises(store):
    with pytest.raises(UnknownKey):
        store.save(record())


def test_returned_records_are_copies(store):
    store.add(record())
    loaded = store.get("kid-1")
    loaded.state = KeyState.REVOKED
    loaded.public_jwk["x"] = "changed"
    assert store.get("kid-1") == record()


def test_list_for_owner_filters_and_orders_oldest_first(store):
    store.add(record("b", age=2))
    store.add(record("a", age=1))
    store.add(record("c", owner="dept:tax", age=0))
    assert [r.kid for r in store.list_for_owner("provider")] == ["a", "b"]
    assert [r.kid for r in store.list_for_owner("dept:tax")] == ["c"]
    assert store.list_for_owner("dept:none") == []


def test_list_all_orders_by_owner_then_age(store):
    store.add(record("b", age=2))
    store.add(record("a", age=1))
    store.add(record("c", owner="dept:tax", age=3))
    assert [r.kid for r in store.list_all()] == ["c", "a", "b"]
