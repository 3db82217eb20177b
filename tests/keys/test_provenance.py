"""Rows a database writer made without the KEK: never published, never trusted, never
signing, never retiring one of ours (keys.provenance and the ring's use of it).

The forged rows here carry a valid row MAC (keys.row_mac), as if that layer had been
bypassed, so that the origin proof alone is under test."""

from __future__ import annotations

import logging
from datetime import timedelta

import jwt
import pytest

import keys.provenance
from keys import (
    KeyDecryptionError,
    KeyRecord,
    KeyRing,
    KeyState,
    UnknownKey,
    UntrustedKey,
    row_mac,
)
from keys.algorithms import generate_private_key, private_key_to_der
from keys.envelope import seal
from keys.jwk import public_jwk, thumbprint

OWNER = "dept:forged"
KEK = bytes(range(32))  # the conftest's kek
DAY = timedelta(days=1)


def forged_row(owner: str, alg: str, state: KeyState, created_at, *, blob: bytes = b"junk",
               kek: bytes | None = None):
    """An attacker's key as a row: their public JWK, kid = its thumbprint, and a junk
    blob (or one sealed under a KEK of their own)."""
    private = generate_private_key(alg)
    jwk = public_jwk(private.public_key())
    kid = thumbprint(jwk)
    if kek is not None:
        blob = seal(private_key_to_der(private), kek=kek, kid=kid)
    record = KeyRecord(kid=kid, owner=owner, alg=alg, state=state, public_jwk=jwk,
                       encrypted_private=blob, created_at=created_at,
                       activates_at=created_at)
    record.mac = row_mac.compute(record, row_mac.mac_key(KEK))
    return record, private


def _signed(private, kid: str, alg: str, claims: dict) -> str:
    return jwt.encode(claims, private, algorithm=alg, headers={"kid": kid})


@pytest.mark.parametrize("state", [KeyState.ACTIVE, KeyState.RETIRED, KeyState.NEXT])
def test_forged_row_is_neither_published_nor_trusted(ring, store, clock, state):
    legit = ring.ensure(OWNER, "ES256")
    record, private = forged_row(OWNER, "ES256", state, clock.now + DAY)
    store.add(record)
    clock.advance(2 * DAY)  # a forged 'next' row is due: it must not promote
    fresh = KeyRing(store, bytes(range(32)), clock=clock)
    assert [k["kid"] for k in fresh.jwks(OWNER)["keys"]] == [legit.kid]
    token = _signed(private, record.kid, "ES256", {"a": 1})
    with pytest.raises(UntrustedKey):
        fresh.decode_jwt(token, algorithms=["ES256"])
    with pytest.raises(UnknownKey):
        fresh.public_key(record.kid)
    # The forged row, newer than ours, neither signs nor retires our key.
    assert fresh.signer(OWNER, "ES256").kid == legit.kid
    assert fresh.promote_due(OWNER) == []
    assert {r.kid: r.state for r in fresh.records(OWNER)} == {legit.kid: KeyState.ACTIVE,
                                                              record.kid: state}


def test_row_sealed_under_another_kek_is_refused(ring, store, clock, other_kek):
    ring.ensure(OWNER, "ES256")
    record, private = forged_row(OWNER, "ES256", KeyState.RETIRED, clock.now,
                                 kek=other_kek)
    store.add(record)
    assert record.kid not in {k["kid"] for k in ring.jwks(OWNER)["keys"]}
    with pytest.raises(UntrustedKey):
        ring.decode_jwt(_signed(private, record.kid, "ES256", {}), algorithms=["ES256"])


def test_our_sealed_blob_does_not_vouch_for_another_key(ring, store, clock):
    ours = store.get(ring.ensure(OWNER, "ES256").kid)
    record, private = forged_row(OWNER, "ES256", KeyState.RETIRED, clock.now,
                                 blob=ours.encrypted_private)
    store.add(record)
    assert record.kid not in {k["kid"] for k in ring.jwks(OWNER)["keys"]}
    with pytest.raises(KeyDecryptionError):
        keys.provenance.prove_origin(record, bytes(range(32)))


def test_sealed_key_must_be_the_pair_of_the_public_jwk(store, kek, clock):
    # Sealed under our KEK for this kid, but holding another private key: the blob
    # must open AND match, or a copied blob could vouch for a stranger's public key.
    record, _ = forged_row(OWNER, "ES256", KeyState.ACTIVE, clock.now)
    other = generate_private_key("ES256")
    record.encrypted_private = seal(private_key_to_der(other), kek=kek, kid=record.kid)
    with pytest.raises(KeyDecryptionError, match="pair"):
        keys.provenance.prove_origin(record, kek)


def test_alg_column_must_fit_the_key(ring, store, kek):
    tampered = store.get(ring.ensure(OWNER, "ES256").kid)
    tampered.alg = "RS256"
    with pytest.raises(KeyDecryptionError, match="RS256"):
        keys.provenance.prove_origin(tampered, kek)


def test_forged_row_is_logged_once_without_secrets(ring, store, clock, caplog):
    ring.ensure(OWNER, "ES256")
    record, _ = forged_row(OWNER, "ES256", KeyState.RETIRED, clock.now)
    store.add(record)
    with caplog.at_level(logging.WARNING, logger="keys.ring"):
        for _ in range(3):
            ring.jwks(OWNER)
            with pytest.raises(UnknownKey):
                ring.public_key(record.kid)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert record.kid in warnings[0].getMessage()
    assert "junk" not in warnings[0].getMessage()


def test_origin_is_proven_once_per_kid(store, kek, clock, monkeypatch):
    KeyRing(store, kek, clock=clock).ensure(OWNER, "ES256")
    calls = []
    real = keys.ring.prove_origin
    monkeypatch.setattr(keys.ring, "prove_origin",
                        lambda *a: calls.append(1) or real(*a))
    cold = KeyRing(store, kek, clock=clock)
    for _ in range(5):
        kid = cold.jwks(OWNER)["keys"][0]["kid"]
        cold.public_key(kid)
    assert len(calls) == 1


def test_ensure_refuses_to_bury_keys_it_cannot_open(store, kek, other_kek, clock):
    KeyRing(store, kek, clock=clock).ensure(OWNER, "ES256")
    stranger = KeyRing(store, other_kek, clock=clock)
    with pytest.raises(UntrustedKey):
        stranger.ensure(OWNER, "ES256")
    assert len(store.list_for_owner(OWNER)) == 1


def test_rotated_key_is_trusted_by_a_cold_ring(ring, store, kek, clock):
    old = ring.ensure(OWNER, "ES256")
    token = ring.sign_jwt(OWNER, "ES256", {"n": 1})
    new = ring.rotate(OWNER, "ES256", DAY)
    clock.advance(2 * DAY)
    cold = KeyRing(store, kek, clock=clock)
    assert cold.signer(OWNER, "ES256").kid == new.kid
    assert {k["kid"] for k in cold.jwks(OWNER)["keys"]} == {old.kid, new.kid}
    assert cold.decode_jwt(token, algorithms=["ES256"]) == {"n": 1}
