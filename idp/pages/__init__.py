"""Server-rendered pages of the provider: login, second factor, account, enrolment,
reset (counter and self-service codes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, Flask

if TYPE_CHECKING:
    from idp.services import IdpServices


def init_app(app: Flask, services: IdpServices) -> None:
    """Register the page blueprints and the provider's static files."""
    from idp.pages import (
        account,
        device,
        enrolment,
        forgot,
        login,
        mandate,
        mandates_account,
        qr_login,
        representation,
        reset,
    )

    app.register_blueprint(Blueprint("idp_static", __name__, static_folder="../static",
                                     static_url_path="/static/idp"))
    app.register_blueprint(login.blueprint(services))
    app.register_blueprint(account.blueprint(services))
    app.register_blueprint(enrolment.blueprint(services))
    app.register_blueprint(device.blueprint(services))
    app.register_blueprint(qr_login.blueprint(services))
    app.register_blueprint(mandate.blueprint(services))
    app.register_blueprint(mandates_account.blueprint(services))
    app.register_blueprint(representation.blueprint(services))
    app.register_blueprint(reset.blueprint(services))
    app.register_blueprint(forgot.blueprint(services))
