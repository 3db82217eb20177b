"""Electronic licences: catalogue, issuance, status lists, holder wallet, QR codes.

``init_app(app)`` registers the blueprints; the CLI groups are in ``credentials.cli``.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the issuance API (CSRF-exempt: bearer tokens, no cookies), the public
    issuer endpoints and the wallet pages."""
    from credentials import api, public, wallet, wallet_api

    csrf = app.extensions.get("csrf")
    for bp in (api.bp, wallet_api.bp, public.bp):
        if csrf is not None:
            csrf.exempt(bp)
        app.register_blueprint(bp)
    app.register_blueprint(wallet.bp)
