"""Signed checkpoints of the chain head, pure: claims, the signer interface, parsing.

A checkpoint is a compact JWS (header ``typ: audit-checkpoint+jwt``) of
``{"iss", "iat", "seq", "hash"}``: the chain's head entry and its keyed hash at the
time ``iat``. A copy kept outside the database proves that the log had at least
``seq`` entries ending in ``hash``; deleting or rewriting any of them is then found.

Audit imports no key ring: admin supplies a ``CheckpointSigner`` (the ``audit``
owner's ES256 key of the key ring), the package only declares what it needs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

TYP = "audit-checkpoint+jwt"
_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class CheckpointInvalid(Exception):
    """A checkpoint's signature does not verify, or its claims are malformed."""


class CheckpointKeyRevoked(CheckpointInvalid):
    """The checkpoint was signed by a key that has since been revoked."""


class CheckpointSigner(Protocol):
    """What audit needs from a key ring (admin supplies it)."""

    def sign(self, claims: dict[str, Any]) -> str:
        """A compact JWS of ``claims`` with header ``typ`` = ``TYP``."""

    def verify(self, token: str) -> dict[str, Any]:
        """Verified claims; raises CheckpointInvalid (or CheckpointKeyRevoked)."""

    def jwks(self) -> dict[str, Any]:
        """The published keys checkpoints verify with (a JWK Set)."""


@dataclass(frozen=True)
class Checkpoint:
    """A verified checkpoint: the head ``seq`` and ``hash`` at ``at``."""

    seq: int
    hash: str
    at: datetime
    token: str


def claims(issuer: str, seq: int, head_hash: str, at: datetime) -> dict[str, Any]:
    """The signed claims of a checkpoint of the head (``seq``, ``head_hash``) at ``at``."""
    return {"iss": issuer, "iat": int(at.timestamp()), "seq": seq, "hash": head_hash}


def from_claims(token: str, verified: dict[str, Any]) -> Checkpoint:
    """A Checkpoint from verified claims; raises CheckpointInvalid when they are malformed."""
    seq, head, iat = verified.get("seq"), verified.get("hash"), verified.get("iat")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise CheckpointInvalid("checkpoint claim seq is not a positive integer")
    if not isinstance(head, str) or not _HEX64.match(head):
        raise CheckpointInvalid("checkpoint claim hash is not 64 hex digits")
    if not isinstance(iat, int) or isinstance(iat, bool):
        raise CheckpointInvalid("checkpoint claim iat is not an integer")
    return Checkpoint(seq=seq, hash=head, at=datetime.fromtimestamp(iat, UTC), token=token)


def token_from_text(text: str) -> str:
    """The compact JWS in a kept copy: the bare token, or the JSON that
    ``GET /audit/checkpoint`` and ``onegate audit checkpoint --show`` print.

    Raises ValueError when the text is neither.
    """
    text = text.strip()
    if text.startswith("{"):
        try:
            token = json.loads(text).get("checkpoint")
        except (ValueError, AttributeError):
            raise ValueError("not JSON with a 'checkpoint' member") from None
    else:
        token = text
    if not isinstance(token, str) or not _COMPACT_JWS.match(token):
        raise ValueError("no compact JWS checkpoint found")
    return token


def published(checkpoint: Checkpoint, kid: str | None, jwks_uri: str) -> dict[str, Any]:
    """What the endpoint and ``--show`` print; only ``checkpoint`` (the JWS) is signed."""
    return {"checkpoint": checkpoint.token, "seq": checkpoint.seq, "hash": checkpoint.hash,
            "issued_at": checkpoint.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "kid": kid, "jwks_uri": jwks_uri}
