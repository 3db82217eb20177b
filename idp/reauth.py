"""Re-authentication demands bound to the pending authorization request.

OIDC Core 3.1.2.1: with ``prompt=login`` the provider MUST re-authenticate, and past
``max_age`` it MUST actively re-authenticate. Sending the browser to the login page is
not enough: its ``next`` URL can be replayed or edited with the old cookie. So before
the provider sends a browser to log in for an authorization request, it records a
demand under the request's key, made of what makes the resulting code redeemable by
the hall: ``client_id``, ``redirect_uri`` and the PKCE ``code_challenge`` (required
from every client). Any request with that key (the ``next`` URL replayed, stripped of
``prompt`` or ``max_age``, reached without ``force=1``) gets a code only through a
session of this browser whose login happened after the demand. A login in another
browser changes another session and satisfies nothing here; a request edited to
another key gets a code the hall cannot redeem.

A demand lives as long as a session may (``SESSION_TTL``): a session that was stale
when the demand was made expires before the demand does, unless it logs in again.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from edge.timestamps import utcnow
from idp.models.reauth_demands import ReauthDemand
from idp.upsert import upsert


def request_key(client_id: str, redirect_uri: str, code_challenge: str | None) -> str:
    """The key binding a demand to one authorization request (SHA-256, hex)."""
    text = json.dumps([client_id, redirect_uri, code_challenge or ""], ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def pending_since(session: Session, key: str) -> datetime | None:
    """When the unexpired demand for ``key`` was made, or None if there is none."""
    return session.scalar(select(ReauthDemand.requested_at).where(
        ReauthDemand.request_key == key, ReauthDemand.expires_at > utcnow()))


def demand(session: Session, key: str, ttl_seconds: int) -> None:
    """Record (or renew) the demand for ``key``: only a login from now on meets it
    (an upsert: a concurrent request for the same key only renews it)."""
    now = utcnow()
    expires = now + timedelta(seconds=ttl_seconds)
    session.execute(delete(ReauthDemand).where(ReauthDemand.expires_at <= now))
    upsert(session, ReauthDemand, {"request_key": key, "requested_at": now,
                                   "expires_at": expires}, key=["request_key"])


def met_by(requested_at: datetime, authenticated_at: datetime | None) -> bool:
    """Whether a login at ``authenticated_at`` happened after the demand."""
    return authenticated_at is not None and authenticated_at > requested_at
