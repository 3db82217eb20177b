"""First-run work: migrations and the provider's signing keys."""

from __future__ import annotations

from flask import Flask

from admin import db

#: The provider signs ID tokens RS256 by default (OIDC Core 15.1) and offers
#: ES256 and EdDSA per client; access tokens are ES256.
PROVIDER_ALGORITHMS = ("RS256", "ES256", "EdDSA")
PROVIDER = "provider"


def ensure_provider_keys(app: Flask) -> list[str]:
    """Create an active provider key per algorithm where none exists; return kids."""
    ring = app.extensions["onegate.keyring"]
    return [ring.ensure(PROVIDER, alg).kid for alg in PROVIDER_ALGORITHMS]


def initialise(app: Flask) -> None:
    """Migrate the database and make sure the provider can sign."""
    db.upgrade(app.extensions["onegate.engine"])
    ensure_provider_keys(app)
