"""The OAuth 2.0 / OpenID Connect protocol side of the provider: registers its
blueprints, the authorization server, and the back-channel logout hook."""

from __future__ import annotations

from typing import Any

from flask import Flask

from idp.services import IdpServices


def init_app(app: Flask, services: IdpServices, *, csrf: Any = None) -> None:
    """Called by ``idp.init_app``; once per app."""
    from idp import (
        authorize,
        backchannel,
        consent,
        cors,
        device_endpoint,
        discovery,
        introspection,
        logout,
        mandate_endpoint,
        revocation,
        token_endpoint,
        userinfo,
    )
    from idp.routes import api_blueprint, pages_blueprint
    from idp.server import create_server

    server = create_server(app, services)
    pages, api = pages_blueprint(), api_blueprint()
    authorize.register(pages, server)
    consent.register(pages, services)
    discovery.register(api, services.discovery_document)
    token_endpoint.register(api, server)
    device_endpoint.register(api, server)
    mandate_endpoint.register(api, server)
    userinfo.register(api, services)
    introspection.register(api, server)
    revocation.register(api, server)
    end_session = logout.blueprint(server)
    app.register_blueprint(pages)
    app.register_blueprint(api)
    app.register_blueprint(end_session)
    if csrf is not None:
        # Client-authenticated or bearer-protected endpoints; logout and authorize
        # check the CSRF token themselves for their own confirmation/consent forms.
        csrf.exempt(api)
        csrf.exempt(end_session)
        csrf.exempt("idp.authorize.authorize")  # GET and POST; consent checks itself
    backchannel.Backchannel(services).listen()
    cors.init_app(app, services.cors)
