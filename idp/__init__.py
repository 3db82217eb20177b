"""The OpenID Connect provider: accounts, login, SSO sessions, tokens, logout."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask

if TYPE_CHECKING:
    from idp.services import IdpServices


def init_app(app: Flask, services: IdpServices) -> None:
    """Register the provider's blueprints on the composed app; everything the provider
    uses comes from ``services`` (built by admin.services.idp_services)."""
    from idp import i18n, jwks, pages, protocol

    i18n.init_app(app)
    app.register_blueprint(jwks.blueprint(services.keyring))
    pages.init_app(app, services)
    protocol.init_app(app, services)
