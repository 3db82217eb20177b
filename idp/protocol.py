"""The OAuth 2.0 / OpenID Connect protocol side of the provider: registers its
blueprints, the authorization server, and the back-channel logout hook."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Called by ``idp.init_app``; safe to call once per app."""
    from idp import (  # noqa: F401  (modules attach their views to the blueprints)
        authorize,
        backchannel,
        consent,
        cors,
        discovery,
        introspection,
        logout,
        revocation,
        sso,
        token_endpoint,
        userinfo,
    )
    from idp.routes import api, pages
    from idp.server import create_server

    create_server(app)
    app.register_blueprint(pages)
    app.register_blueprint(api)
    app.register_blueprint(logout.bp)
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        # Client-authenticated or bearer-protected endpoints; logout and authorize
        # check the CSRF token themselves for their own confirmation/consent forms.
        csrf.exempt(api)
        csrf.exempt(logout.bp)
        csrf.exempt(authorize.authorize)  # GET and POST requests; consent checks itself
    backchannel.listen()
    cors.init_app(app)
