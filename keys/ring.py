"""KeyRing: every owner's signing keys, their rotation, JWKS and JWT signing.

The ring keeps decrypted private keys and parsed public keys in memory, by kid,
so each is decrypted or parsed once per process. Key *states* are always read
from the store, so a revocation made by another worker takes effect at once.

A stored row counts only once it has proved it came from a holder of the KEK
(keys.provenance): its sealed private key opens and is the pair of its public
JWK. The proof is made once per kid per ring. Its usage columns must also carry
the MAC the ring wrote with its last change (keys.row_mac), checked on every read.
A row that fails either is left out of JWKS, never verifies or signs, never takes
part in rotation, and is logged once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from keys import rotation, row_mac, tokens
from keys.algorithms import (
    PrivateKey,
    PublicKey,
    check_algorithm,
    generate_private_key,
    private_key_to_der,
)
from keys.envelope import check_kek, seal
from keys.errors import KeyDecryptionError, KeyRevoked, NoActiveKey, UnknownKey, UntrustedKey
from keys.jwk import public_jwk, public_key_from_jwk, required_members, thumbprint
from keys.owners import check_owner
from keys.provenance import prove_origin
from keys.record import KeyRecord, KeyState
from keys.signer import Signer
from keys.store import KeyStore

#: Default publication period of a retired key (ONEGATE_KEY_RETIRE_AFTER).
DEFAULT_RETIRE_AFTER = timedelta(days=365)

log = logging.getLogger(__name__)


def _members(jwk: dict[str, Any]) -> dict[str, str] | None:
    try:
        return required_members(jwk)
    except ValueError:
        return None


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class KeyRing:
    """Key rings of every owner over one store, with private keys sealed under ``kek``.

    ``retire_after`` is how long a retired key stays in JWKS: the longest validity
    of anything it signed. The constructor only checks the KEK's length (raises
    ValueError); it touches neither the store nor any key.
    """

    def __init__(self, store: KeyStore, kek: bytes,
                 clock: Callable[[], datetime] = utc_now,
                 retire_after: timedelta = DEFAULT_RETIRE_AFTER) -> None:
        self._store = store
        self._kek = check_kek(kek)
        self._mac_key = row_mac.mac_key(self._kek)
        self._clock = clock
        self._retire_after = retire_after
        # Plain dicts: a race only means parsing the same key twice.
        self._private: dict[str, PrivateKey] = {}
        self._public: dict[str, PublicKey] = {}
        # kid -> its proven public JWK members, or None once it failed the proof.
        self._proven: dict[str, dict[str, str] | None] = {}
        self._bad_macs: set[str] = set()  # kids already logged for a bad row MAC
        self._generation = 0
        self._listeners: list[Callable[[str], None]] = []

    @property
    def generation(self) -> int:
        """A counter this ring bumps whenever it writes a key (new, rotated, promoted,
        pruned, revoked): callers that cache a signer drop it when it moved."""
        return self._generation

    def subscribe(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(owner)`` after every change this ring writes (a key created,
        promoted, pruned or revoked), so what this process publishes from the keys is
        rebuilt at once; other processes see the change through ``stamp``."""
        self._listeners.append(listener)

    def _changed(self, owner: str) -> None:
        for listener in self._listeners:
            listener(owner)

    # -- life cycle -----------------------------------------------------------

    def ensure(self, owner: str, alg: str) -> KeyRecord:
        """The owner's active key of ``alg``, created now if there is none.

        Raises ValueError for a malformed owner or unsupported alg, and UntrustedKey
        if the owner's only active keys of ``alg`` fail the origin proof (wrong KEK).
        """
        check_owner(owner)
        check_algorithm(alg)
        active = rotation.current_active(self._promoted(owner), alg)
        if active is None:
            # A wrong KEK fails every row: making new keys under it would bury the
            # real ones. Refuse, and let the operator look.
            self._refuse_untrusted_active(owner, alg)
        return active or self._create(owner, alg, KeyState.ACTIVE, self._now())

    def rotate(self, owner: str, alg: str, prepublish: timedelta) -> KeyRecord:
        """Add a ``next`` key that starts signing ``prepublish`` from now; returns it.

        It is in JWKS at once so relying parties cache it before it signs.
        Raises ValueError for a malformed owner, unsupported alg or negative prepublish.
        """
        check_owner(owner)
        check_algorithm(alg)
        if prepublish < timedelta(0):
            raise ValueError("prepublish must not be negative")
        return self._create(owner, alg, KeyState.NEXT, self._now() + prepublish)

    def promote_due(self, owner: str) -> list[KeyRecord]:
        """Activate the owner's due next keys, retiring those they replace; returns the
        changed records. Raises only store errors."""
        changed = rotation.promote_due(self._trusted_records(owner), self._now())
        for record in changed:
            self._save(record)
        return changed

    def prune(self, owner: str) -> list[str]:
        """Withdraw from JWKS the owner's retired keys older than ``retire_after``;
        returns their kids. They stay retired (not revoked). Raises only store errors."""
        expired = rotation.prunable(self._trusted_records(owner), self._now(),
                                    self._retire_after)
        for record in expired:
            record.published = False
            self._save(record)
        return [record.kid for record in expired]

    def revoke(self, kid: str) -> KeyRecord:
        """Withdraw a key: unpublished, and verification with it fails from now on.

        Revoking the active key leaves the owner without a signer for that alg
        until ``ensure`` or a rotation. Raises UnknownKey.
        """
        record = self._record(kid)
        if record.state != KeyState.REVOKED or record.encrypted_private:
            if record.state != KeyState.REVOKED:
                record.state, record.revoked_at = KeyState.REVOKED, self._now()
            record.published = False
            # Destroying the sealed key means no later edit of the row can make it
            # prove its origin again: a revoked key stays revoked.
            record.encrypted_private = b""
            self._save(record)
        self._private.pop(kid, None)
        self._public.pop(kid, None)
        self._proven.pop(kid, None)
        self._generation += 1
        return record

    # -- reading --------------------------------------------------------------

    def records(self, owner: str | None = None) -> list[KeyRecord]:
        """Stored records of one owner (or all), for listings; raises only store errors."""
        return self._store.list_all() if owner is None else self._store.list_for_owner(owner)

    def jwks(self, owner: str) -> dict[str, list[dict[str, str]]]:
        """The owner's JWK Set: next, active and published retired keys, public members only.

        Rows that fail the origin proof are left out. Raises only store errors.
        """
        published = [r for r in self._store.list_for_owner(owner)
                     if r.published and r.state != KeyState.REVOKED]
        return {"keys": [self._published_jwk(r) for r in published if self._trusted(r)]}

    def stamp(self, owner: str) -> tuple:
        """A value that changes whenever ``jwks(owner)`` may change, in one small query;
        what a published JWKS compares to decide whether to rebuild. Raises only store
        errors."""
        return self._store.stamp(owner)

    def public_key(self, kid: str) -> PublicKey:
        """The public key object of a non-revoked key.

        Raises UnknownKey, KeyRevoked, or UntrustedKey (a subclass of both UnknownKey
        and KeyDecryptionError) if the row fails the origin proof.
        """
        return self._public_key(self._usable(kid))

    def signer(self, owner: str, alg: str) -> Signer:
        """The owner's current signer for ``alg``, after promoting due keys.

        Raises NoActiveKey, ValueError (unsupported alg), UntrustedKey (a
        KeyDecryptionError) when the only active keys fail the origin proof (wrong KEK
        or a tampered or forged row).
        """
        check_algorithm(alg)
        active = rotation.current_active(self._promoted(owner), alg)
        if active is None:
            self._refuse_untrusted_active(owner, alg)
            raise NoActiveKey(f"{owner} has no active {alg} key")
        return Signer(kid=active.kid, alg=alg, private_key=self._private_key(active))

    # -- JWTs -----------------------------------------------------------------

    def sign_jwt(self, owner: str, alg: str, claims: dict[str, Any],
                 headers: dict[str, Any] | None = None) -> str:
        """A compact JWS of ``claims`` by the owner's active ``alg`` key, ``kid`` in the header.

        Raises what ``signer`` raises.
        """
        return tokens.sign(self.signer(owner, alg), claims, headers)

    def decode_jwt(self, token: str, *, algorithms: Collection[str],
                   audience: str | None = None, issuer: str | None = None,
                   owner: str | None = None, verify_iat: bool = True) -> dict[str, Any]:
        """Verified claims of a token signed by one of our keys (of ``owner``, if given);
        ``verify_iat=False`` accepts an ``iat`` ahead of this clock (records whose time
        is data, not a validity window).

        The signature is always verified, with the key's own alg, which must be
        in ``algorithms``. Raises UnknownKey (no or foreign kid; UntrustedKey, its
        subclass, for a row failing the origin proof), KeyRevoked, or
        jwt.InvalidTokenError subclasses (bad signature, expired, wrong audience or
        issuer, disallowed algorithm, malformed token).
        """
        record = self._usable(tokens.unverified_kid(token), owner)
        return tokens.decode(token, self._public_key(record), alg=record.alg,
                             algorithms=algorithms, audience=audience, issuer=issuer,
                             verify_iat=verify_iat)

    # -- internals ------------------------------------------------------------

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the key ring's clock must return aware datetimes")
        return now

    def _trusted_records(self, owner: str) -> list[KeyRecord]:
        return [r for r in self._store.list_for_owner(owner) if self._trusted(r)]

    def _refuse_untrusted_active(self, owner: str, alg: str) -> None:
        if any(r.alg == alg and r.state == KeyState.ACTIVE and not self._trusted(r)
               for r in self._store.list_for_owner(owner)):
            raise UntrustedKey(f"{owner}'s active {alg} key did not prove its origin")

    def _promoted(self, owner: str) -> list[KeyRecord]:
        # One read serves both promotion and the caller: the records are
        # updated in place by rotation.promote_due. A row that cannot prove its
        # origin never promotes and so never retires one of ours.
        records = self._trusted_records(owner)
        for record in rotation.promote_due(records, self._now()):
            self._save(record)
        return records

    def _create(self, owner: str, alg: str, state: KeyState, activates_at: datetime) -> KeyRecord:
        key = generate_private_key(alg)
        jwk = public_jwk(key.public_key())
        kid = thumbprint(jwk)
        blob = seal(private_key_to_der(key), kek=self._kek, kid=kid)
        record = KeyRecord(kid=kid, owner=owner, alg=alg, state=state, public_jwk=jwk,
                           encrypted_private=blob, created_at=self._now(),
                           activates_at=activates_at)
        record.mac = row_mac.compute(record, self._mac_key)
        self._store.add(record)
        self._generation += 1
        self._private[kid] = key  # already in hand: no need to decrypt it later
        self._proven[kid] = jwk
        self._changed(owner)
        return record

    def _save(self, record: KeyRecord) -> None:
        record.mac = row_mac.compute(record, self._mac_key)
        self._store.save(record)
        self._generation += 1
        self._changed(record.owner)

    def _record(self, kid: str) -> KeyRecord:
        record = self._store.get(kid)
        if record is None:
            raise UnknownKey(kid)
        return record

    def _usable(self, kid: str, owner: str | None = None) -> KeyRecord:
        record = self._record(kid)
        if owner is not None and record.owner != owner:
            raise UnknownKey(kid)  # another owner's key is as good as unknown here
        if record.state == KeyState.REVOKED:
            self._public.pop(kid, None)
            raise KeyRevoked(kid)
        if not self._trusted(record):
            raise UntrustedKey(kid)
        return record

    def _trusted(self, record: KeyRecord) -> bool:
        """Whether the row proved its origin (once per kid) and its usage columns
        carry our MAC (on every read: the state may have changed since)."""
        if not row_mac.matches(record, self._mac_key):
            if record.kid not in self._bad_macs:
                self._bad_macs.add(record.kid)
                log.warning("signing key %s of %s is not trusted: its row MAC does not "
                            "match (edited outside the key ring?)", record.kid, record.owner)
            return False
        if record.kid not in self._proven:
            try:
                members, private = prove_origin(record, self._kek)
            except KeyDecryptionError as exc:
                # Once per kid and process; the message names the kid, never key material.
                log.warning("signing key %s of %s is not trusted: %s", record.kid,
                            record.owner, exc)
                self._proven[record.kid] = None
                return False
            self._proven[record.kid] = members
            if record.state in (KeyState.NEXT, KeyState.ACTIVE):
                self._private.setdefault(record.kid, private)  # it may sign soon
        # A row whose JWK was changed after the proof is refused like any forgery.
        proven = self._proven[record.kid]
        return proven is not None and _members(record.public_jwk) == proven

    def _proven_jwk(self, record: KeyRecord) -> dict[str, str]:
        members = self._proven.get(record.kid)
        if members is None:
            raise UntrustedKey(record.kid)
        return members

    def _published_jwk(self, record: KeyRecord) -> dict[str, str]:
        return {**self._proven_jwk(record), "kid": record.kid, "alg": record.alg, "use": "sig"}

    def _public_key(self, record: KeyRecord) -> PublicKey:
        key = self._public.get(record.kid)
        if key is None:
            key = public_key_from_jwk(self._proven_jwk(record))
            self._public[record.kid] = key
        return key

    def _private_key(self, record: KeyRecord) -> PrivateKey:
        key = self._private.get(record.kid)
        if key is None:
            _, key = prove_origin(record, self._kek)
            self._private[record.kid] = key
        return key
