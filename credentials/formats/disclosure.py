"""SD-JWT Disclosures and their digests (RFC 9901 sections 4.2.1-4.2.5)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from credentials.formats import base64url, strict_json
from credentials.formats.errors import InvalidDisclosure, ReservedClaimName

HASH_ALG = "sha-256"
RESERVED_NAMES = frozenset({"_sd", "..."})


@dataclass(frozen=True)
class Disclosure:
    """One decoded Disclosure; ``name`` is None for an array-element Disclosure."""

    raw: str
    salt: str
    name: str | None
    value: Any

    @property
    def digest(self) -> str:
        return digest(self.raw)


def digest(raw: str) -> str:
    """Return the base64url SHA-256 digest of a Disclosure string.

    RFC 9901 section 4.2.3: "The digest MUST be computed over the US-ASCII bytes of the
    base64url-encoded value that is the Disclosure."
    """
    return base64url.encode(hashlib.sha256(raw.encode("ascii")).digest())


def new_salt() -> str:
    """128 random bits, base64url (RFC 9901 section 4.2.1 and section 9.3)."""
    return base64url.encode(secrets.token_bytes(16))


def decoy_digest() -> str:
    """A digest over random bytes (RFC 9901 section 4.2.5: "RECOMMENDED to create the
    decoy digests by hashing over a cryptographically secure random number")."""
    return base64url.encode(hashlib.sha256(secrets.token_bytes(32)).digest())


def create(name: str, value: Any) -> Disclosure:
    """Create an object-property Disclosure with a fresh salt.

    Raises ReservedClaimName for ``_sd`` or ``...`` (RFC 9901 section 4.2.1: the claim
    name "MUST NOT be `_sd`, `...`").
    """
    if not isinstance(name, str) or name in RESERVED_NAMES:
        raise ReservedClaimName(f"{name!r} cannot be a disclosed claim name")
    salt = new_salt()
    raw = base64url.encode(strict_json.dumps([salt, name, value]))
    return Disclosure(raw=raw, salt=salt, name=name, value=value)


def decode(raw: str) -> Disclosure:
    """Decode and shape-check one Disclosure.

    Raises InvalidBase64, InvalidJson, InvalidDisclosure (not a 2- or 3-element array,
    salt or name not strings) or ReservedClaimName.
    """
    content = strict_json.loads(base64url.decode(raw))
    if not isinstance(content, list) or len(content) not in (2, 3):
        raise InvalidDisclosure("a Disclosure is a JSON array of two or three elements")
    if not isinstance(content[0], str):
        raise InvalidDisclosure("the salt MUST be a string (RFC 9901 section 4.2.1)")
    if len(content) == 2:
        return Disclosure(raw=raw, salt=content[0], name=None, value=content[1])
    name = content[1]
    if not isinstance(name, str):
        raise InvalidDisclosure("the claim name MUST be a string (RFC 9901 section 4.2.1)")
    if name in RESERVED_NAMES:
        # RFC 9901 section 7.1: "If the claim name is `_sd` or `...`, the SD-JWT MUST be rejected."
        raise ReservedClaimName(f"{name!r} cannot be a disclosed claim name")
    return Disclosure(raw=raw, salt=content[0], name=name, value=content[2])
