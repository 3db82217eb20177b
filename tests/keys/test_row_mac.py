"""Edits of our own key rows made outside the ring (state, owner, publication, times)
are refused (keys.row_mac), and a revoked key can never come back (its sealed key is
destroyed)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from keys import KeyRevoked, KeyRing, KeyState, UnknownKey, UntrustedKey, row_mac

OWNER = "dept:rows"
DAY = timedelta(days=1)


def _edited(store, kid: str, **changes) -> None:
    """What a database writer can do: change columns, keep or drop the MAC."""
    store.save(dataclasses.replace(store.get(kid), **changes))


def _published(ring) -> set[str]:
    return {k["kid"] for k in ring.jwks(OWNER)["keys"]}


@pytest.mark.parametrize("mac", ["kept", "stripped"])
def test_revoked_key_flipped_back_to_active_stays_refused(ring, store, kek, clock, mac):
    old = ring.ensure(OWNER, "ES256")
    token = ring.sign_jwt(OWNER, "ES256", {"n": 1})
    ring.rotate(OWNER, "ES256", timedelta(0))
    ring.revoke(old.kid)
    assert store.get(old.kid).encrypted_private == b""
    changes = {"state": KeyState.ACTIVE, "revoked_at": None, "published": True}
    if mac == "stripped":
        changes["mac"] = None
    _edited(store, old.kid, **changes)
    for judge in (ring, KeyRing(store, kek, clock=clock)):  # warm and cold
        assert old.kid not in _published(judge)
        with pytest.raises(UntrustedKey):
            judge.decode_jwt(token, algorithms=["ES256"])
        assert judge.signer(OWNER, "ES256").kid != old.kid


def test_revoked_key_stays_revoked_for_a_ring_that_proved_it_before(ring, store, kek, clock):
    old = ring.ensure(OWNER, "ES256")
    other_worker = KeyRing(store, kek, clock=clock)
    other_worker.public_key(old.kid)  # proven and cached there
    ring.revoke(old.kid)
    _edited(store, old.kid, state=KeyState.ACTIVE, revoked_at=None, published=True)
    assert old.kid not in _published(other_worker)
    with pytest.raises(UnknownKey):
        other_worker.public_key(old.kid)


@pytest.mark.parametrize("changes", [
    {"state": KeyState.ACTIVE, "retired_at": None},
    {"published": True},
    {"owner": "provider"},
    {"activates_at": None},
], ids=["retired-to-active", "unpruned", "moved-owner", "activation-time"])
def test_edited_usage_columns_are_refused(ring, store, kek, clock, changes):
    old = ring.ensure(OWNER, "ES256")
    new = ring.rotate(OWNER, "ES256", timedelta(0))
    ring.promote_due(OWNER)
    clock.advance(40 * DAY)
    assert ring.prune(OWNER) == [old.kid]
    if changes.get("activates_at", 1) is None:
        changes = {"activates_at": clock.now}
    _edited(store, old.kid, **changes)
    cold = KeyRing(store, kek, clock=clock)
    assert _published(cold) == {new.kid}
    assert old.kid not in {k["kid"] for k in cold.jwks("provider")["keys"]}
    with pytest.raises(UnknownKey):
        cold.public_key(old.kid)
    assert cold.signer(OWNER, "ES256").kid == new.kid


def test_stripped_mac_on_a_live_key_refuses_it_without_new_keys(ring, store, kek, clock):
    key = ring.ensure(OWNER, "ES256")
    _edited(store, key.kid, mac=None)
    cold = KeyRing(store, kek, clock=clock)
    assert _published(cold) == set()
    with pytest.raises(UntrustedKey):
        cold.ensure(OWNER, "ES256")  # never buries it under a fresh key
    assert [r.kid for r in store.list_for_owner(OWNER)] == [key.kid]


def test_every_write_of_the_ring_keeps_the_mac(ring, store, kek, clock):
    key = row_mac.mac_key(kek)
    old = ring.ensure(OWNER, "ES256")
    ring.rotate(OWNER, "ES256", DAY)
    clock.advance(2 * DAY)
    ring.promote_due(OWNER)
    clock.advance(40 * DAY)
    ring.prune(OWNER)
    ring.revoke(old.kid)
    records = store.list_for_owner(OWNER)
    assert {r.state for r in records} == {KeyState.ACTIVE, KeyState.REVOKED}
    assert all(row_mac.matches(r, key) for r in records)
    with pytest.raises(KeyRevoked):
        ring.public_key(old.kid)


def test_mac_ignores_how_the_database_returns_times(ring, store, kek):
    from datetime import timezone

    record = store.get(ring.ensure(OWNER, "ES256").kid)
    shifted = dataclasses.replace(
        record, created_at=record.created_at.astimezone(timezone(timedelta(hours=8))))
    assert row_mac.matches(shifted, row_mac.mac_key(kek))
