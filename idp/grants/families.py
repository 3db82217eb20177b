"""Refresh-token families: everything descended from one authorization code, revoked
together on code replay, refresh-token reuse, logout or consent withdrawal."""

from __future__ import annotations

import hashlib

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from idp import tokens
from idp.models.base import utcnow
from idp.models.tokens import AuthorizationCode, RefreshToken, TokenFamily


def token_hash(value: str) -> str:
    """Refresh tokens and codes are stored as their SHA-256 (they are high-entropy)."""
    return hashlib.sha256(value.encode()).hexdigest()


def revoke_family(session: Session, family_id: str, reason: str) -> None:
    """Revoke the family's refresh tokens and deny every access token it produced."""
    session.execute(update(TokenFamily)
                    .where(TokenFamily.family_id == family_id, TokenFamily.revoked_at.is_(None))
                    .values(revoked_at=utcnow(), revoked_reason=reason))
    rows = session.execute(select(RefreshToken.access_jti, RefreshToken.access_expires_at)
                           .where(RefreshToken.family_id == family_id)).all()
    for jti, expires_at in rows:
        if jti:
            tokens.revoke_access_jti(session, jti, expires_at)
    code = session.scalar(select(AuthorizationCode)
                          .where(AuthorizationCode.family_id == family_id))
    if code is not None and code.access_jti:
        tokens.revoke_access_jti(session, code.access_jti, None)


def revoke_where(session: Session, reason: str, **match) -> int:
    """Revoke every live family matching ``sub``/``client_id``/``sid``; return how many."""
    query = select(TokenFamily.family_id).where(TokenFamily.revoked_at.is_(None))
    for name, value in match.items():
        query = query.where(getattr(TokenFamily, name) == value)
    ids = list(session.scalars(query))
    for family_id in ids:
        revoke_family(session, family_id, reason)
    return len(ids)
