"""The OpenID Connect provider: accounts, login, SSO sessions, tokens, logout."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask

if TYPE_CHECKING:
    from idp.services import IdpServices


def init_app(app: Flask, services: IdpServices, *, csrf: Any = None) -> None:
    """Register the provider's blueprints on the composed app; everything the provider
    uses comes from ``services`` (built by admin.services.idp_services). ``csrf`` is the
    app's Flask-WTF CSRFProtect, for the endpoints exempt from it."""
    from idp import i18n, jwks, pages, protocol

    i18n.init_app(app)
    app.register_blueprint(jwks.blueprint(services.jwks_document))
    pages.init_app(app, services)
    protocol.init_app(app, services, csrf=csrf)
