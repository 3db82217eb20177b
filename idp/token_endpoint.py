"""The token endpoint (RFC 6749 section 3.2)."""

from __future__ import annotations

from idp.routes import api


@api.route("/oauth/token", methods=["POST"])
def token():
    from idp.server import current_server

    # RFC 6749 section 5.1: responses carry Cache-Control: no-store (Authlib adds it).
    return current_server().create_token_response()
