"""What appending and verifying need beyond a session: the chain key, the checkpoint
signer and when to checkpoint. Admin builds one ``Trail`` and binds it to the app's
session factory, so every session the app hands out carries it.

Why on the session and not a parameter: the audit entry is written in the caller's own
transaction (credentials, verify, idp), and those callers already hold that session;
threading a key through each of their signatures would spread the KEK's child to every
package. The key rides with the unit of work instead, set in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from audit.checkpoint import CheckpointSigner

#: ``Session.info`` member holding the Trail.
INFO_KEY = "onegate.audit.trail"


class TrailNotConfigured(RuntimeError):
    """A session without a Trail tried to append or verify: an entry is never written
    unkeyed."""


@dataclass(frozen=True)
class Trail:
    """The chain key (HKDF of the KEK), the checkpoint signer (None: no checkpoints,
    e.g. in unit tests), the issuer named in checkpoints and the checkpoint cadence."""

    chain_key: bytes
    signer: CheckpointSigner | None = None
    issuer: str = ""
    checkpoint_every: int = 100
    checkpoint_interval: timedelta = timedelta(minutes=5)

    def __repr__(self) -> str:
        # Keep the key out of logs and tracebacks.
        return f"Trail(issuer={self.issuer!r}, checkpoint_every={self.checkpoint_every})"


def bind(factory: sessionmaker[Session], trail: Trail) -> None:
    """Make every session of ``factory`` carry ``trail``."""
    info = dict(factory.kw.get("info") or {})
    info[INFO_KEY] = trail
    factory.configure(info=info)


def of(session: Session) -> Trail:
    """The session's Trail; raises TrailNotConfigured."""
    trail = session.info.get(INFO_KEY)
    if not isinstance(trail, Trail):
        raise TrailNotConfigured("this session carries no audit Trail (admin binds one)")
    return trail
