"""Online reference QR: ``ISSUER/v/<identifier>?t=<token>``.

The token is unguessable (128 bits of HMAC output) and stored only as its SHA-256:
a database reader learns no working link, while the service re-derives the token to
render a licence's QR again. Nothing that contains the token is kept at rest: the
reference QR is rendered on demand (credentials.qr), never stored.

The HMAC key is derived from the key-encryption key (HKDF, keys.derive_key), which
is not in the database and does not change when the cookie secret does. Licences
issued before 0.2 got their token under a sub-key of SECRET_KEY; they keep that
token (its hash is what is stored) until re-issued, and it can be re-derived only
while SECRET_KEY is unchanged.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from credentials.errors import ReferenceUnavailable
from credentials.formats import base64url
from credentials.models import Licence
from identifiers import InvalidIdentifier, parse_license_id
from keys import derive_key

PURPOSE = "credentials reference token"
_LEGACY_CONTEXT = b"onegate/credentials/reference-token/v1"
MAX_TOKEN_LENGTH = 64


def reference_key(kek: bytes) -> bytes:
    """The key tokens are derived with, from the KEK; raises ValueError for an empty KEK."""
    return derive_key(kek, PURPOSE)


def legacy_reference_key(secret_key: str | bytes) -> bytes:
    """The key of licences issued before 0.2 (a sub-key of the app's SECRET_KEY)."""
    raw = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(raw, _LEGACY_CONTEXT, hashlib.sha256).digest()


def token_for(key: bytes, identifier: str) -> str:
    return base64url.encode(hmac.new(key, identifier.encode(), hashlib.sha256).digest()[:16])


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class ReferenceKeys:
    """The current key, which new licences get their token under, and the legacy key,
    tried only for licences whose stored hash the current key does not match."""

    current: bytes
    legacy: bytes | None = None

    @classmethod
    def from_kek(cls, kek: bytes, legacy_secret_key: str | bytes | None = None
                 ) -> ReferenceKeys:
        """Keys from the KEK (and the cookie secret, for licences issued before 0.2).

        Raises ValueError for an empty KEK.
        """
        legacy = legacy_reference_key(legacy_secret_key) if legacy_secret_key else None
        return cls(reference_key(kek), legacy)

    def new_token(self, identifier: str) -> str:
        """The token a licence being issued now gets."""
        return token_for(self.current, identifier)

    def token_of(self, licence: Licence) -> str:
        """The token whose hash the licence stores.

        Raises ReferenceUnavailable when no key we hold derives it (a licence issued
        before 0.2, under a SECRET_KEY since rotated): it needs re-issuing.
        """
        for key in (self.current, self.legacy):
            if key is None:
                continue
            token = token_for(key, licence.identifier)
            if hmac.compare_digest(token_hash(token), licence.reference_hash):
                return token
        raise ReferenceUnavailable(
            "this licence's reference token was made under a secret key that has since "
            "changed; re-issue the licence for a new reference QR")


def resolve_reference(session: Session, identifier: Any, token: Any) -> Licence | None:
    """The licence a reference QR points at, or None for a bad identifier or token.

    The verify package's page calls this; it never raises for bad input.
    """
    if not isinstance(identifier, str) or not isinstance(token, str):
        return None
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        return None
    try:
        parse_license_id(identifier)
    except (InvalidIdentifier, TypeError):
        return None
    licence = session.get(Licence, identifier)
    if licence is None or not hmac.compare_digest(licence.reference_hash, token_hash(token)):
        return None
    return licence
