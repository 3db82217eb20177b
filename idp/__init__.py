"""The OpenID Connect provider: accounts, login, SSO sessions, tokens, logout."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the provider's blueprints on the composed app."""
    from idp import jwks

    app.register_blueprint(jwks.bp)
