"""KeyRing: creation, rotation, revocation, pruning, JWKS, caching and JWTs,
run over both stores."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import jwt
import pytest

import keys.ring
from keys import (
    ALGORITHMS,
    KeyDecryptionError,
    KeyRevoked,
    KeyRing,
    KeyState,
    NoActiveKey,
    UnknownKey,
)
from keys.envelope import open_sealed
from keys.jwk import thumbprint

DAY = timedelta(days=1)
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}
OWNER = "provider"
HMAC_SECRET = "s" * 32


def test_constructor_touches_nothing(kek):
    class Untouchable:
        def __getattr__(self, name):
            raise AssertionError(f"store.{name} used by the constructor")

    KeyRing(Untouchable(), kek)


@pytest.mark.parametrize("bad", [b"", b"short", b"x" * 33])
def test_constructor_refuses_a_bad_kek(store, bad):
    with pytest.raises(ValueError):
        KeyRing(store, bad)


def test_clock_must_be_aware(store, kek):
    from datetime import datetime

    ring = KeyRing(store, kek, clock=datetime.now)
    with pytest.raises(ValueError):
        ring.ensure(OWNER, "ES256")


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_ensure_creates_once(ring, alg):
    first = ring.ensure(OWNER, alg)
    assert ring.ensure(OWNER, alg).kid == first.kid
    assert first.state == KeyState.ACTIVE and first.alg == alg
    assert first.kid == thumbprint(first.public_jwk)
    assert ring.signer(OWNER, alg).kid == first.kid


@pytest.mark.parametrize("owner, alg", [("nobody", "ES256"), ("dept:", "ES256"),
                                        ("provider", "HS256"), ("provider", "none")])
def test_ensure_validates_owner_and_alg(ring, owner, alg):
    with pytest.raises(ValueError):
        ring.ensure(owner, alg)


def test_owners_have_separate_rings(ring):
    provider = ring.ensure(OWNER, "ES256")
    department = ring.ensure("dept:tax", "ES256")
    assert provider.kid != department.kid
    assert [k["kid"] for k in ring.jwks("dept:tax")["keys"]] == [department.kid]
    assert ring.jwks("dept:none") == {"keys": []}


def test_signer_without_a_key_raises(ring):
    with pytest.raises(NoActiveKey):
        ring.signer(OWNER, "ES256")


def test_jwks_holds_only_public_members(ring):
    for alg in ALGORITHMS:
        ring.ensure(OWNER, alg)
        ring.rotate(OWNER, alg, DAY)
    published = ring.jwks(OWNER)["keys"]
    assert len(published) == 2 * len(ALGORITHMS)
    for jwk in published:
        assert not PRIVATE_MEMBERS & set(jwk)
        assert jwk["use"] == "sig" and jwk["alg"] in ALGORITHMS
        assert jwk["kid"] == thumbprint(jwk)
    json.dumps(published)  # serialisable as is


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_rotation_prepublishes_then_switches_and_old_tokens_still_verify(ring, clock, alg):
    old = ring.ensure(OWNER, alg)
    old_token = ring.sign_jwt(OWNER, alg, {"sub": "before"})
    new = ring.rotate(OWNER, alg, prepublish=DAY)
    assert new.state == KeyState.NEXT
    assert {k["kid"] for k in ring.jwks(OWNER)["keys"]} == {old.kid, new.kid}
    clock.advance(DAY - timedelta(seconds=1))
    assert ring.signer(OWNER, alg).kid == old.kid  # published but not signing yet
    clock.advance(timedelta(seconds=1))
    assert ring.signer(OWNER, alg).kid == new.kid
    states = {r.kid: r.state for r in ring.records(OWNER)}
    assert states == {old.kid: KeyState.RETIRED, new.kid: KeyState.ACTIVE}
    assert ring.decode_jwt(old_token, algorithms=[alg]) == {"sub": "before"}
    assert jwt.get_unverified_header(ring.sign_jwt(OWNER, alg, {}))["kid"] == new.kid
    assert {k["kid"] for k in ring.jwks(OWNER)["keys"]} == {old.kid, new.kid}


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_revoked_key_fails_verification_and_leaves_jwks(ring, clock, alg):
    old = ring.ensure(OWNER, alg)
    token = ring.sign_jwt(OWNER, alg, {"sub": "x"})
    ring.rotate(OWNER, alg, DAY)
    clock.advance(DAY)
    ring.promote_due(OWNER)
    ring.public_key(old.kid)  # warm the cache: revocation must still win
    assert ring.revoke(old.kid).state == KeyState.REVOKED
    with pytest.raises(KeyRevoked):
        ring.decode_jwt(token, algorithms=[alg])
    with pytest.raises(KeyRevoked):
        ring.public_key(old.kid)
    assert old.kid not in {k["kid"] for k in ring.jwks(OWNER)["keys"]}


def test_revocation_by_another_worker_takes_effect(store, kek, clock):
    worker_a = KeyRing(store, kek, clock=clock)
    worker_b = KeyRing(store, kek, clock=clock)
    worker_a.ensure(OWNER, "ES256")
    token = worker_a.sign_jwt(OWNER, "ES256", {})
    assert worker_a.decode_jwt(token, algorithms=ALGORITHMS) == {}
    worker_b.revoke(jwt.get_unverified_header(token)["kid"])
    with pytest.raises(KeyRevoked):
        worker_a.decode_jwt(token, algorithms=ALGORITHMS)


def test_revoking_the_active_key_stops_signing_until_ensure(ring):
    old = ring.ensure(OWNER, "RS256")
    ring.revoke(old.kid)
    assert ring.revoke(old.kid).state == KeyState.REVOKED  # idempotent
    with pytest.raises(NoActiveKey):
        ring.signer(OWNER, "RS256")
    assert ring.ensure(OWNER, "RS256").kid != old.kid


def test_revoke_unknown_raises(ring):
    with pytest.raises(UnknownKey):
        ring.revoke("nope")
    with pytest.raises(UnknownKey):
        ring.public_key("nope")


def test_newest_due_key_wins_when_rotated_twice(ring, clock):
    old = ring.ensure(OWNER, "ES256")
    first = ring.rotate(OWNER, "ES256", DAY)
    clock.advance(timedelta(hours=1))
    second = ring.rotate(OWNER, "ES256", DAY)
    clock.advance(2 * DAY)
    changed = {r.kid: r.state for r in ring.promote_due(OWNER)}
    assert changed == {second.kid: KeyState.ACTIVE, first.kid: KeyState.RETIRED,
                       old.kid: KeyState.RETIRED}
    assert ring.promote_due(OWNER) == []


def test_rotation_without_prepublish_replaces_at_once(ring):
    old = ring.ensure(OWNER, "ES256")
    new = ring.rotate(OWNER, "ES256", timedelta(0))  # same instant as old, fake clock
    assert ring.signer(OWNER, "ES256").kid == new.kid
    assert ring.public_key(old.kid)


def test_rotate_refuses_negative_prepublish(ring):
    with pytest.raises(ValueError):
        ring.rotate(OWNER, "ES256", -DAY)


def test_prune_withdraws_retired_keys_after_retire_after(ring, clock):
    old = ring.ensure(OWNER, "ES256")
    ring.rotate(OWNER, "ES256", timedelta(0))
    ring.promote_due(OWNER)
    clock.advance(timedelta(days=30) - timedelta(seconds=1))
    assert ring.prune(OWNER) == []
    assert old.kid in {k["kid"] for k in ring.jwks(OWNER)["keys"]}
    clock.advance(timedelta(seconds=1))
    assert ring.prune(OWNER) == [old.kid]
    assert old.kid not in {k["kid"] for k in ring.jwks(OWNER)["keys"]}
    assert {r.kid: r.state for r in ring.records(OWNER)}[old.kid] == KeyState.RETIRED
    assert ring.prune(OWNER) == []


def test_private_key_is_decrypted_once_per_ring(store, kek, clock, monkeypatch):
    KeyRing(store, kek, clock=clock).ensure(OWNER, "ES256")
    calls = []
    real = keys.provenance.open_sealed
    monkeypatch.setattr(keys.provenance, "open_sealed",
                        lambda *a, **kw: calls.append(1) or real(*a, **kw))
    cold = KeyRing(store, kek, clock=clock)
    assert cold.signer(OWNER, "ES256").private_key is cold.signer(OWNER, "ES256").private_key
    assert len(calls) == 1


def test_public_key_is_parsed_once_per_ring(ring, monkeypatch):
    kid = ring.ensure(OWNER, "EdDSA").kid
    calls = []
    real = keys.ring.public_key_from_jwk
    monkeypatch.setattr(keys.ring, "public_key_from_jwk",
                        lambda jwk: calls.append(1) or real(jwk))
    assert ring.public_key(kid) is ring.public_key(kid)
    assert len(calls) == 1


def test_wrong_kek_neither_signs_nor_verifies_nor_publishes(store, kek, other_kek, clock):
    # Without the KEK no row can prove it is ours (keys.provenance): a ring with the
    # wrong KEK trusts nothing rather than whatever the table says.
    ring = KeyRing(store, kek, clock=clock)
    ring.ensure(OWNER, "ES256")
    token = ring.sign_jwt(OWNER, "ES256", {"a": 1})
    stranger = KeyRing(store, other_kek, clock=clock)
    with pytest.raises(KeyDecryptionError):
        stranger.signer(OWNER, "ES256")
    with pytest.raises(UnknownKey):
        stranger.decode_jwt(token, algorithms=ALGORITHMS)
    assert stranger.jwks(OWNER) == {"keys": []}


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_stored_blob_is_not_the_private_key(ring, store, kek, alg):
    from tests.keys.test_envelope import _parses_as_private_key

    stored = store.get(ring.ensure(OWNER, alg).kid)
    der = open_sealed(stored.encrypted_private, kek=kek, kid=stored.kid)
    assert der not in stored.encrypted_private
    assert not _parses_as_private_key(stored.encrypted_private)


def test_swapped_public_jwk_is_detected(ring, store, kek):
    victim = ring.ensure(OWNER, "ES256")
    attacker = ring.ensure("dept:evil", "ES256")
    tampered = store.get(victim.kid)
    tampered.public_jwk = attacker.public_jwk
    store.save(tampered)
    fresh = KeyRing(store, kek)
    with pytest.raises(KeyDecryptionError):
        fresh.public_key(victim.kid)
    assert fresh.jwks(OWNER) == {"keys": []}
    # Swapped after the ring proved the row: refused all the same.
    proven = KeyRing(store, kek)
    tampered.public_jwk = victim.public_jwk
    store.save(tampered)
    proven.public_key(victim.kid)
    tampered.public_jwk = attacker.public_jwk
    store.save(tampered)
    assert proven.jwks(OWNER) == {"keys": []}
    with pytest.raises(UnknownKey):
        proven.public_key(victim.kid)


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_tokens_verify_against_the_published_jwks_alone(ring, alg):
    ring.ensure(OWNER, alg)
    token = ring.sign_jwt(OWNER, alg, {"iss": "https://id.example", "aud": "hall"})
    key_set = jwt.PyJWKSet.from_dict(ring.jwks(OWNER))
    key = key_set[jwt.get_unverified_header(token)["kid"]]
    claims = jwt.decode(token, key.key, algorithms=[alg], audience="hall")
    assert claims["iss"] == "https://id.example"


def test_eddsa_through_pyjwt(ring):
    kid = ring.ensure(OWNER, "EdDSA").kid
    token = ring.sign_jwt(OWNER, "EdDSA", {"sub": "ed"})
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA" and header["kid"] == kid
    assert jwt.decode(token, ring.public_key(kid), algorithms=["EdDSA"]) == {"sub": "ed"}


def test_caller_headers_cannot_override_kid_or_alg(ring):
    kid = ring.ensure(OWNER, "ES256").kid
    token = ring.sign_jwt(OWNER, "ES256", {}, headers={"kid": "evil", "alg": "none",
                                                       "typ": "at+jwt"})
    assert jwt.get_unverified_header(token) == {"kid": kid, "alg": "ES256", "typ": "at+jwt"}
    assert ring.decode_jwt(token, algorithms=["ES256"]) == {}


def test_decode_checks_audience_issuer_and_owner(ring):
    ring.ensure(OWNER, "ES256")
    ring.ensure("dept:tax", "ES256")
    token = ring.sign_jwt(OWNER, "ES256", {"iss": "https://id.example", "aud": "hall"})
    checks = {"algorithms": ["ES256"], "audience": "hall"}
    assert ring.decode_jwt(token, issuer="https://id.example", owner=OWNER, **checks)
    with pytest.raises(jwt.InvalidAudienceError):
        ring.decode_jwt(token, algorithms=["ES256"], audience="other")
    with pytest.raises(jwt.InvalidIssuerError):
        ring.decode_jwt(token, issuer="https://evil.example", **checks)
    with pytest.raises(UnknownKey):
        ring.decode_jwt(token, owner="dept:tax", **checks)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_decode_refuses_bad_tokens(ring):
    kid = ring.ensure(OWNER, "ES256").kid
    header, payload, signature = ring.sign_jwt(OWNER, "ES256", {"sub": "a"}).split(".")
    forged = ".".join([header, _b64({"sub": "b"}), signature])
    with pytest.raises(jwt.InvalidSignatureError):
        ring.decode_jwt(forged, algorithms=ALGORITHMS)
    with pytest.raises(jwt.InvalidAlgorithmError):
        ring.decode_jwt(".".join([header, payload, signature]), algorithms=["RS256"])
    hs = jwt.encode({"sub": "b"}, HMAC_SECRET, algorithm="HS256", headers={"kid": kid})
    with pytest.raises(jwt.InvalidAlgorithmError):
        ring.decode_jwt(hs, algorithms=ALGORITHMS)
    with pytest.raises(UnknownKey):
        ring.decode_jwt(jwt.encode({}, HMAC_SECRET, algorithm="HS256"), algorithms=ALGORITHMS)
    unknown = jwt.encode({}, HMAC_SECRET, algorithm="HS256", headers={"kid": "nope"})
    with pytest.raises(UnknownKey):
        ring.decode_jwt(unknown, algorithms=ALGORITHMS)
    with pytest.raises(jwt.DecodeError):
        ring.decode_jwt("not-a-token", algorithms=ALGORITHMS)


def test_expired_tokens_are_refused(ring):
    ring.ensure(OWNER, "ES256")
    token = ring.sign_jwt(OWNER, "ES256", {"exp": 1})
    with pytest.raises(jwt.ExpiredSignatureError):
        ring.decode_jwt(token, algorithms=ALGORITHMS)
