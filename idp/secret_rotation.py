"""Rotating a client's secret with an overlap window in which both secrets work.

A hall cannot change the secret in all its servers at the same instant. ``rotate``
issues a new secret (shown once) and keeps the replaced one, as a keyed hash like
every secret (idp.clients.ClientSecrets), until the window ends; the token,
introspection and revocation endpoints accept either until then
(``ClientSecrets.accepts``), and only the new one afterwards.

Decisions:

* ``overlap`` 0 retires the replaced secret at once (a leaked secret: rotate with 0).
* At most two secrets work at any time. A second rotation during a window retires
  the oldest secret at once, and the secret it replaces gets the new window: the
  servers that already took the first new secret keep working, and nobody can keep
  a chain of old secrets alive by rotating repeatedly.
* Two operators rotating at once: the rotation is a compare-and-set on the secret
  hash it read, so the later one fails with ``ConcurrentRotation`` (nothing written)
  instead of silently discarding a secret the earlier operator was just shown.
* The longest window is ``MAX_OVERLAP`` (30 days): an overlap is for a planned
  change-over, not for keeping an old secret alive.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from idp import clients as registry
from idp.models.clients import OAuthClient
from idp.registration import find_row

MAX_OVERLAP = timedelta(days=30)
SECRET_METHODS = ("client_secret_basic", "client_secret_post")
_DURATION = re.compile(r"(\d{1,7})([smhd]?)\Z")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class RotationError(ValueError):
    """The client cannot be rotated as asked (its message says why, in one line)."""


class ConcurrentRotation(RotationError):
    """Another rotation of the same client committed between our read and write."""


def parse_overlap(text: str) -> timedelta:
    """``0``, ``90s``, ``30m``, ``24h`` or ``7d`` (a bare number is seconds), at most
    ``MAX_OVERLAP``. Raises RotationError for anything else."""
    found = _DURATION.match(text.strip().lower()) if isinstance(text, str) else None
    if found is None:
        raise RotationError(f"--overlap {text!r} is not a duration such as 0, 30m, 24h or 7d")
    overlap = timedelta(seconds=int(found[1]) * _UNITS[found[2]])
    if overlap > MAX_OVERLAP:
        raise RotationError(f"--overlap {text!r} is longer than the longest window, 30d")
    return overlap


def rotate(session: Session, client_secrets: registry.ClientSecrets, client_id: str,
           overlap: timedelta) -> tuple[OAuthClient, str]:
    """Give ``client_id`` a new secret and return (the row, the secret in clear, to be
    shown once). The replaced secret keeps working for ``overlap`` (see the module).

    Raises idp.registration.UnknownClient, RotationError for a client without a secret (public or
    private_key_jwt) or an overlap out of range, and ConcurrentRotation.
    """
    if overlap < timedelta(0) or overlap > MAX_OVERLAP:
        raise RotationError("the overlap must be between 0 and 30 days")
    row = find_row(session, client_id)
    if row.token_endpoint_auth_method not in SECRET_METHODS:
        raise RotationError(f"client {client_id} has no secret to rotate (it authenticates "
                            f"with {row.token_endpoint_auth_method})")
    secret, replaced = registry.new_secret(), row.secret_hash
    values = {"secret_hash": client_secrets.hash(secret),
              "previous_secret_hash": replaced if overlap else None,
              "previous_secret_expires_at": registry.secret_clock() + overlap if overlap
              else None, "updated_at": registry.secret_clock()}
    # Compare-and-set: PostgreSQL re-reads the row after a concurrent writer commits
    # and matches nothing; SQLite serialises writers, and the later one sees the new hash.
    done = session.execute(update(OAuthClient)
                           .where(OAuthClient.id == row.id, OAuthClient.secret_hash == replaced)
                           .values(**values).returning(OAuthClient.id)
                           .execution_options(synchronize_session=False)).first()
    if done is None:
        raise ConcurrentRotation(f"client {client_id}'s secret was rotated by someone else "
                                 "at the same moment; nothing was changed, run it again")
    session.refresh(row)
    return row, secret

