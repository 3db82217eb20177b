"""Token revocation (RFC 7009)."""

from __future__ import annotations

from authlib.oauth2.rfc7009 import RevocationEndpoint
from flask import Blueprint
from flask import request as flask_request

from idp import clients, tokens
from idp.errors import InvalidGrantError, OAuth2Error
from idp.grants.families import revoke_family
from idp.introspection import check_token_params, lookup
from idp.parameters import check_single


class Revocation(RevocationEndpoint):
    # RFC 7009 section 2.1: public clients may revoke their own tokens with client_id.
    CLIENT_AUTH_METHODS = list(clients.AUTH_METHODS)

    def check_params(self, request, client):
        # RFC 7009 section 2.1: "An authorization server MAY ignore this parameter"
        # (token_type_hint): unknown hints are ignored rather than refused with
        # unsupported_token_type (section 2.2.1 allows, but does not require, that).
        check_token_params(request.form)

    def authenticate_token(self, request, client):
        """RFC 7009 section 2.1: "The authorization server first validates the client
        credentials ... and then verifies whether the token was issued to the client
        making the revocation request. If this validation fails, the request is
        refused and the client is informed of the error": HTTP 400 invalid_grant
        (RFC 6749 section 5.2: a grant "issued to another client"), nothing revoked."""
        self.check_params(request, client)
        token = self.query_token(request.form["token"], request.form.get("token_type_hint"))
        if token is not None and not token.check_client(client):
            raise InvalidGrantError("The token was issued to another client.")
        return token

    def query_token(self, token_string, token_type_hint):
        # RFC 7009 section 2.2: an invalid or unknown token still gets HTTP 200.
        return lookup(self.server.services, token_string, token_type_hint,
                      require_active=False)

    def revoke_token(self, token, request):
        services = self.server.services
        session = services.session()
        if token.kind == "access_token":
            services.denylist.revoke(session, token.claims["jti"],
                                     tokens.from_epoch(token.claims["exp"]))
        else:
            # RFC 7009 section 2.1: revoking a refresh token SHOULD also
            # invalidate the access tokens of the same grant.
            revoke_family(session, services.denylist, token.family.family_id, "revoked")


def register(api: Blueprint, server) -> None:
    """Add the revocation endpoint to the OAuth API blueprint."""

    @api.route("/oauth/revoke", methods=["POST"])
    def revoke():
        try:
            # RFC 6749 section 3.2, as at the token endpoint
            check_single(flask_request.values)
        except OAuth2Error as error:
            return server.handle_error_response(None, error)
        return server.create_endpoint_response(Revocation.ENDPOINT_NAME)
