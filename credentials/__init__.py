"""Electronic licences: catalogue, issuance, status lists, holder wallet, QR codes.

``init_app(app, services)`` registers the blueprints, built over the package's typed
services (``credentials.services.CredentialsServices``, supplied by admin); the CLI
groups are in ``credentials.cli``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask

if TYPE_CHECKING:
    from credentials.services import CredentialsServices


def init_app(app: Flask, services: CredentialsServices, csrf=None) -> None:
    """Register the issuance API (CSRF-exempt when ``csrf`` is given: bearer tokens, no
    cookies), the public issuer endpoints and the wallet pages."""
    from credentials import api, public, wallet, wallet_api

    for bp in (api.blueprint(services), wallet_api.blueprint(services),
               public.blueprint(services)):
        if csrf is not None:
            csrf.exempt(bp)
        app.register_blueprint(bp)
    app.register_blueprint(wallet.blueprint(services.issuer))
