"""Server-rendered pages of the provider: login, second factor, account, enrolment."""

from __future__ import annotations

from flask import Blueprint, Flask


def init_app(app: Flask) -> None:
    """Register the page blueprints and the provider's static files."""
    from idp.pages import account, enrolment, login

    app.register_blueprint(Blueprint("idp_static", __name__, static_folder="../static",
                                     static_url_path="/static/idp"))
    app.register_blueprint(login.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(enrolment.bp)
