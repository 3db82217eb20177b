"""Refresh-token families: everything descended from one authorization code, revoked
together on code replay, refresh-token reuse, logout or consent withdrawal."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from edge.timestamps import utcnow
from idp.denylist import AccessTokenDenylist
from idp.models.tokens import AuthorizationCode, RefreshToken, TokenFamily
from keys import derive_key

#: keys.derive_key purpose of the key refresh tokens and codes are hashed under;
#: changing it invalidates every stored token (as migration idp_0005 did).
HASH_KEY_PURPOSE = "idp refresh token and code hash"


def hash_key(kek: bytes) -> bytes:
    """The key refresh tokens and codes are hashed under (derive once per app).

    Derived from the key-encryption key, which is not in the database, rather than
    the cookie secret: a database dump alone cannot test a guess, and a database
    writer cannot plant a token of their own."""
    return derive_key(kek, HASH_KEY_PURPOSE)


def token_hash(key: bytes, value: str) -> str:
    """HMAC-SHA256 (hex) of a refresh token or authorization code under ``key``
    (``hash_key``), the only form in which either is stored."""
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def find_refresh_token(session: Session, key: bytes, value: str) -> RefreshToken | None:
    """The stored refresh token ``value``, or None; compares hashes in constant time."""
    digest = token_hash(key, value)
    row = session.scalar(select(RefreshToken).where(RefreshToken.token_hash == digest))
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    return row


def revoke_family(session: Session, denylist: AccessTokenDenylist, family_id: str,
                  reason: str) -> None:
    """Revoke the family's refresh tokens and deny every access token it produced."""
    session.execute(update(TokenFamily)
                    .where(TokenFamily.family_id == family_id, TokenFamily.revoked_at.is_(None))
                    .values(revoked_at=utcnow(), revoked_reason=reason))
    rows = session.execute(select(RefreshToken.access_jti, RefreshToken.access_expires_at)
                           .where(RefreshToken.family_id == family_id)).all()
    for jti, expires_at in rows:
        if jti:
            denylist.revoke(session, jti, expires_at)
    code = session.scalar(select(AuthorizationCode)
                          .where(AuthorizationCode.family_id == family_id))
    if code is not None and code.access_jti:
        denylist.revoke(session, code.access_jti, None)


def revoke_where(session: Session, denylist: AccessTokenDenylist, reason: str,
                 **match) -> int:
    """Revoke every live family matching ``sub``/``client_id``/``sid``; return how many."""
    query = select(TokenFamily.family_id).where(TokenFamily.revoked_at.is_(None))
    for name, value in match.items():
        query = query.where(getattr(TokenFamily, name) == value)
    ids = list(session.scalars(query))
    for family_id in ids:
        revoke_family(session, denylist, family_id, reason)
    return len(ids)
