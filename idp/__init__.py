"""The OpenID Connect provider: accounts, login, SSO sessions, tokens, logout."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the provider's blueprints on the composed app."""
    from idp import i18n, jwks, pages

    i18n.init_app(app)
    app.register_blueprint(jwks.bp)
    pages.init_app(app)

    # --- OAuth/OIDC protocol part (protocol engineer's idp/protocol.py) ---
    from idp import protocol

    protocol.init_app(app)
