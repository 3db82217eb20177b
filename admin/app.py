"""The composition root: ``create_app`` wires every package into one Flask app."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from admin import (
    api_docs,
    audit_trail,
    headers,
    health,
    home,
    json_text,
    observability,
    problems,
    published,
    token_edge,
    unavailable,
)
from admin import config as app_config
from admin import services as app_services
from admin.client_names import client_names
from admin.edge import OnegateFlask
from credentials.problems import ProblemTypes
from idp.token_fast_path import TokenFastPath


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
    json_text.init_app(app)  # before anything answers JSON
    observability.configure_logging(values["LOG_LEVEL"])
    _init_storage(app, values)
    problem_types = _init_credentials_services(app)
    # Flask-WTF also registers itself as app.extensions["csrf"]; admin keeps the object.
    app.csrf = CSRFProtect(app)
    app.metrics = observability.Metrics()
    observability.init_app(app, app.metrics, observability.MetricsAccess(
        values["METRICS_ALLOW"], values["METRICS_TOKEN"]))
    headers.init_app(app)
    problems.init_app(app, problem_types)
    unavailable.init_app(app, problem_types)
    app.register_blueprint(health.blueprint(app.services.engine, app.services.keyring))
    app.register_blueprint(home.blueprint(app.services.issuer))
    app.register_blueprint(api_docs.blueprint())
    app.register_blueprint(Blueprint("admin_static", __name__, static_folder="static",
                                     static_url_path="/static/admin"))
    _init_packages(app)
    # Published documents are answered before Flask's dispatch (admin.published), inside
    # ProxyFix so that a request forwarded over https gets HSTS as Flask gives it.
    app.published = published.install(app, app.metrics)
    # Successful client_credentials grants and introspections, also before dispatch and
    # inside ProxyFix (the token budget's key holds the client's address).
    app.token_edge = token_edge.install(app, TokenFastPath(app.idp_services),
                                        app.published.recorder,
                                        enabled=values["TOKEN_FAST_PATH"])
    if values["TRUSTED_PROXIES"]:
        n = values["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
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
    }


def _init_storage(app: OnegateFlask, values: Mapping[str, Any]) -> None:
    services = app.services = app_services.build(values)
    # Before anything opens a session: every session of the app carries the Trail.
    app.audit = app_services.audit_services(services)


def _init_packages(app: OnegateFlask) -> None:
    """Each package registers its own blueprints; order matters only for URLs."""
    import credentials
    import idp
    import verify
    from admin import console
    from admin.console import i18n as console_i18n
    from idp import i18n

    csrf = app.csrf
    # One Babel for every page: the provider's catalogue and the console's.
    i18n.init_app(app, extra_directories=(console_i18n.TRANSLATIONS,))
    app.idp_services = idp_services(app.services)
    idp.init_app(app, app.idp_services, csrf=csrf)
    credentials.init_app(app, app.credentials_services, csrf=csrf)
    verify.init_app(app, app.verify_services, app.credentials_services.openapi_fragments,
                    csrf=csrf)
    audit_trail.init_app(app, app.audit, app.credentials_services.problem_types,
                         app.credentials_services.openapi_fragments)
    app.console_services = console_services(app)
    console.init_app(app, app.console_services)
    from admin.console.business_metrics import BusinessCollector

    app.metrics.registry.register(BusinessCollector(app.services.unit_of_work))


def console_services(app: OnegateFlask):
    """The operators' console's services (admin.console.services), from the app's."""
    from admin.console.exchange import HttpTokenExchange
    from admin.console.sections import Navigation
    from admin.console.services import ConsoleServices, ConsoleSettings

    core = app.services
    settings = ConsoleSettings.from_mapping(core.settings)
    token_url = core.settings["CONSOLE_TOKEN_URL"] or core.issuer + "/oauth/token"
    return ConsoleServices(
        settings=settings, unit_of_work=core.unit_of_work, engine=core.engine,
        keyring=core.keyring, redis=core.redis, idp=app.idp_services,
        credentials=app.credentials_services, verify=app.verify_services, audit=app.audit,
        exchange=HttpTokenExchange(token_url, settings.client_id, settings.client_secret),
        navigation=Navigation(),
        health=lambda: health.system_health(core.engine, core.redis, core.sessions))


def _init_credentials_services(app: OnegateFlask) -> ProblemTypes:
    """credentials' and verify's services (``app.credentials_services``,
    ``app.verify_services``: admin's, like ``app.services``); returns the app's one
    problem-type registry."""
    app.credentials_services = app_services.credentials_services(
        app.services, client_exists=_client_exists)
    app.verify_services = app_services.verify_services(app.services, app.credentials_services,
                                                       client_names=client_names)
    return app.credentials_services.problem_types


def _client_exists(session, client_id: str) -> bool:
    """`departments add-client` checks the client is registered (credentials cannot
    import idp)."""
    from sqlalchemy import select

    from idp.models.clients import OAuthClient

    return session.scalar(select(OAuthClient.id)
                          .where(OAuthClient.client_id == client_id)) is not None


def idp_services(core: app_services.Services):
    """The provider's services, with the hooks it needs from other packages."""
    from credentials import wallet

    # The wallet is onegate's own page showing people their own licences: no consent
    # page for it (SECURITY.md, "First-party wallet").
    return app_services.idp_services(core, licence_type_names=_licence_type_names(core),
                                     department_exists=_department_exists,
                                     first_party_clients=frozenset({wallet.CLIENT_ID}))


def _department_exists(session, code: str) -> bool:
    """Department-scoped staff roles name a registered department (idp cannot import
    the catalogue)."""
    from credentials import catalogue

    return catalogue.get_department_or_none(session, code) is not None


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
