"""Authorization codes, refresh-token families, the access-token denylist and the
back-channel logout outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from edge.timestamps import UtcDateTime, utcnow
from idp.models.base import Base


class AuthorizationCode(Base):
    """A code, kept (hashed) after use so a replay can revoke what it produced."""

    __tablename__ = "oauth_codes"
    __table_args__ = (Index("ix_oauth_codes_client_id_nonce", "client_id", "nonce"),
                      Index("ix_oauth_codes_sid", "sid"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(64))
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    scope: Mapped[str] = mapped_column(Text, default="")
    sub: Mapped[str] = mapped_column(String(64))
    sid: Mapped[str | None] = mapped_column(String(128))
    nonce: Mapped[str | None] = mapped_column(String(255))
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(10))
    auth_time: Mapped[int] = mapped_column(Integer)
    acr: Mapped[str | None] = mapped_column(String(20))
    amr: Mapped[list | None] = mapped_column(JSON)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Assigned when the code is redeemed, so a concurrent replay can revoke them.
    access_jti: Mapped[str | None] = mapped_column(String(64))
    family_id: Mapped[str | None] = mapped_column(String(64))
    # Acting for an enterprise (idp.representation): the party's sub and the
    # authorisation it rests on, re-checked when the code is redeemed.
    party_sub: Mapped[str | None] = mapped_column(String(64))
    authorisation_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class TokenFamily(Base):
    """Every refresh token descended from one authorization code."""

    __tablename__ = "oauth_token_families"

    family_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    sub: Mapped[str] = mapped_column(String(64), index=True)
    sid: Mapped[str | None] = mapped_column(String(128), index=True)
    scope: Mapped[str] = mapped_column(Text, default="")
    auth_time: Mapped[int] = mapped_column(Integer)
    acr: Mapped[str | None] = mapped_column(String(20))
    amr: Mapped[list | None] = mapped_column(JSON)
    # The enterprise acted for, re-checked at every refresh (idp.representation).
    party_sub: Mapped[str | None] = mapped_column(String(64))
    authorisation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(40))


class RefreshToken(Base):
    """One refresh token (stored as its SHA-256), rotated on every use."""

    __tablename__ = "oauth_refresh_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[str] = mapped_column(String(64), index=True)
    access_jti: Mapped[str | None] = mapped_column(String(64))
    access_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    rotated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class RevokedAccessToken(Base):
    """Denylist of JWT access tokens by ``jti``, kept until they would expire anyway."""

    __tablename__ = "oauth_revoked_jtis"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    revoked_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class BackchannelDelivery(Base):
    """Outbox of Back-Channel Logout tokens, written in the logout transaction."""

    __tablename__ = "oauth_backchannel_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    uri: Mapped[str] = mapped_column(String(2000))
    token: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
