"""The token endpoint (RFC 6749 section 3.2)."""

from __future__ import annotations

from flask import request

from idp.errors import InvalidRequestError, OAuth2Error
from idp.parameters import check_single
from idp.routes import api


def check_token_request() -> None:
    """What Authlib leaves to us before it looks for a grant; raises invalid_request.

    RFC 6749 section 3.2: parameters "MUST NOT be included more than once"; section
    5.2: invalid_request when "The request is missing a required parameter ...,
    repeats a parameter ..." -- a missing grant_type is a missing parameter, not
    unsupported_grant_type (which is for a grant type the server does not support).
    """
    check_single(request.values)
    if not request.values.get("grant_type"):
        raise InvalidRequestError("The grant_type parameter is missing.")


@api.route("/oauth/token", methods=["POST"])
def token():
    from idp.server import current_server

    server = current_server()
    try:
        check_token_request()
    except OAuth2Error as error:
        return server.handle_error_response(None, error)
    # RFC 6749 section 5.1: responses carry Cache-Control: no-store (Authlib adds it).
    return server.create_token_response()
