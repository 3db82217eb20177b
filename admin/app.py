"""The composition root: ``create_app`` wires every package into one Flask app."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from admin import (
    audit_trail,
    headers,
    health,
    home,
    observability,
    problems,
    unavailable,
)
from admin import config as app_config
from admin import services as app_services
from admin.edge import OnegateFlask


def create_app(config: Mapping[str, Any] | None = None,
               instance_path: str | Path | None = None) -> Flask:
    """Build the app from settings; raises admin.settings.ConfigError on bad ones.

    ``config`` overrides settings by name without the ``ONEGATE_`` prefix
    (``{"DATABASE_URL": ...}``), as tests do.
    """
    path = Path(instance_path).resolve() if instance_path else None
    values = app_config.build(config, instance_path=path)
    app = OnegateFlask("onegate", instance_path=values["INSTANCE_PATH"],
                       template_folder="admin/templates", static_folder=None,
                       root_path=_root())
    app.config.update(_flask_settings(values))
    observability.configure_logging(values["LOG_LEVEL"])
    if values["TRUSTED_PROXIES"]:
        n = values["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    _init_storage(app, values)
    CSRFProtect(app)
    observability.init_app(app)
    headers.init_app(app)
    problems.init_app(app)
    unavailable.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(Blueprint("admin_static", __name__, static_folder="static",
                                     static_url_path="/static/admin"))
    _init_packages(app)
    return app


def _root() -> str:
    return str(Path(__file__).resolve().parent.parent)


def _flask_settings(values: Mapping[str, Any]) -> dict[str, Any]:
    secure = values["ISSUER"].startswith("https://")
    return {
        "ONEGATE": dict(values),
        "SECRET_KEY": values["SECRET_KEY"],
        "DEBUG": values["DEBUG"],
        "TESTING": values["ENV"] == "test",
        "SESSION_COOKIE_NAME": "onegate_ui",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "PREFERRED_URL_SCHEME": "https" if secure else "http",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        "JSON_AS_ASCII": False,
    }


def _init_storage(app: OnegateFlask, values: Mapping[str, Any]) -> None:
    services = app.services = app_services.build(values)
    # Transitional: the string-keyed lookups below go as each package takes its
    # typed services (issue 9); new code must not read them.
    app.extensions["onegate.engine"] = services.engine
    app.extensions["onegate.sessions"] = services.sessions
    app.extensions["onegate.keyring"] = services.keyring
    audit_trail.bind(services.sessions, services.keyring, values)
    app.extensions["onegate.redis"] = services.redis


def _init_packages(app: OnegateFlask) -> None:
    """Each package registers its own blueprints; order matters only for URLs."""
    import credentials
    import idp
    import verify

    idp.init_app(app, idp_services(app.services))
    credentials.init_app(app)
    verify.init_app(app)
    audit_trail.init_app(app)
    from credentials.cli import CLIENT_LOOKUP

    app.extensions[CLIENT_LOOKUP] = _client_exists(app)


def _client_exists(app: Flask):
    """`departments add-client` checks the client is registered (credentials cannot
    import idp)."""
    from sqlalchemy import select

    from idp.models.clients import OAuthClient

    sessions = app.extensions["onegate.sessions"]

    def exists(client_id: str) -> bool:
        with sessions() as session:
            return session.scalar(select(OAuthClient.id)
                                  .where(OAuthClient.client_id == client_id)) is not None

    return exists


def idp_services(core: app_services.Services):
    """The provider's services, with the hooks it needs from other packages."""
    return app_services.idp_services(core, licence_type_names=_licence_type_names(core))


def _licence_type_names(core: app_services.Services):
    """The consent page names licence types (idp cannot import the catalogue)."""
    from credentials import catalogue

    unit_of_work = core.unit_of_work

    def lookup(code: str, locale: str) -> str | None:
        # In the request's unit of work (the consent page), or a short one of its
        # own (a command).
        with unit_of_work.scope():
            row = catalogue.get_type(unit_of_work.session(), code)
        if row is None:
            return None
        return row.name_en if str(locale).startswith("en") else row.name_zh

    return lookup
