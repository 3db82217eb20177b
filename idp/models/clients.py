"""Registered relying parties (halls, departments' systems) and the client-auth JTI cache."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from edge.timestamps import UtcDateTime, utcnow
from idp.models.base import Base


class OAuthClient(Base):
    """One relying party; ``client_id`` is its stable public id."""

    __tablename__ = "oauth_clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    secret_hash: Mapped[str | None] = mapped_column(String(128))
    #: The secret a rotation replaced, accepted until ``previous_secret_expires_at``
    #: (idp.secret_rotation: the overlap window); both None outside a window.
    previous_secret_hash: Mapped[str | None] = mapped_column(String(128))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    name: Mapped[str] = mapped_column(String(200))
    redirect_uris: Mapped[list] = mapped_column(JSON, default=list)
    post_logout_redirect_uris: Mapped[list] = mapped_column(JSON, default=list)
    backchannel_logout_uri: Mapped[str | None] = mapped_column(String(2000))
    grant_types: Mapped[list] = mapped_column(JSON, default=list)
    response_types: Mapped[list] = mapped_column(JSON, default=list)
    scope: Mapped[str] = mapped_column(Text, default="")
    token_endpoint_auth_method: Mapped[str] = mapped_column(String(40))
    jwks: Mapped[dict | None] = mapped_column(JSON)
    jwks_uri: Mapped[str | None] = mapped_column(String(2000))
    id_token_signed_response_alg: Mapped[str] = mapped_column(String(10), default="RS256")
    trusted: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The hall (idp.models.staff.Hall) this relying party belongs to, if any: its
    #: hall administrators manage it and its sign-ins count for the hall.
    hall_code: Mapped[str | None] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    #: Moved by every change (registration included): CORS origins reload on it.
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=utcnow,
                                                        onupdate=utcnow)


class ClientAssertionJti(Base):
    """``jti`` values of private_key_jwt assertions already seen (RFC 7523 section 3)."""

    __tablename__ = "oauth_assertion_jtis"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
