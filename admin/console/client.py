"""The console's registration at our own provider: a confidential client.

Its secret is derived from the KEK (HKDF, purpose ``console client secret``), never
stored or shown: every worker derives the same one, and the provider stores its keyed
hash like any client's. ``onegate init`` and ``onegate serve`` register it
(``ensure_registered``) and follow the issuer URL and a changed KEK.
"""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from keys import derive_key

CLIENT_ID = "onegate-console"
SCOPES = ("openid", "profile")
CALLBACK = "/admin/callback"
SIGNED_OUT = "/admin/signed-out"


def client_secret(kek: bytes) -> str:
    """The console's client secret (43 characters of base64url, 256 bits)."""
    key = derive_key(kek, "console client secret")
    return base64.urlsafe_b64encode(key).decode().rstrip("=")


def spec(issuer: str) -> dict[str, Any]:
    """The registration (idp.clients_cli.NewClient fields)."""
    return {"client_id": CLIENT_ID, "name": "运维控制台 (onegate console)",
            "redirect_uris": [issuer + CALLBACK],
            "post_logout_redirect_uris": [issuer + SIGNED_OUT],
            "grant_types": ["authorization_code"], "scopes": list(SCOPES),
            "auth_method": "client_secret_basic", "trusted": True}


def ensure_registered(session: Session, issuer: str, kek: bytes, secrets) -> None:
    """Register the console once; afterwards keep its URIs on the current issuer and
    its secret hash on the current KEK. ``secrets`` is idp.clients.ClientSecrets."""
    from idp.clients_cli import NewClient, create
    from idp.models.clients import OAuthClient

    wanted = spec(issuer)
    row = session.scalar(select(OAuthClient).where(OAuthClient.client_id == CLIENT_ID))
    if row is None:
        row, _ = create(session, NewClient(**wanted), secrets)
    row.redirect_uris = wanted["redirect_uris"]
    row.post_logout_redirect_uris = wanted["post_logout_redirect_uris"]
    if not secrets.matches(row.secret_hash, client_secret(kek)):
        row.secret_hash = secrets.hash(client_secret(kek))
    session.flush()
