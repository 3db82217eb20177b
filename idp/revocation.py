"""Token revocation (RFC 7009)."""

from __future__ import annotations

from authlib.oauth2.rfc7009 import RevocationEndpoint

from idp import clients, storage, tokens
from idp.grants.families import revoke_family
from idp.introspection import lookup
from idp.routes import api


class Revocation(RevocationEndpoint):
    # RFC 7009 section 2.1: public clients may revoke their own tokens with client_id.
    CLIENT_AUTH_METHODS = list(clients.AUTH_METHODS)

    def query_token(self, token_string, token_type_hint):
        # RFC 7009 section 2.2: an invalid or unknown token still gets HTTP 200.
        return lookup(token_string, token_type_hint, verify=False)

    def revoke_token(self, token, request):
        with storage.transaction() as session:
            if token.kind == "access_token":
                tokens.revoke_access_jti(session, token.claims["jti"],
                                         tokens.from_epoch(token.claims["exp"]))
            else:
                # RFC 7009 section 2.1: revoking a refresh token SHOULD also
                # invalidate the access tokens of the same grant.
                revoke_family(session, token.family.family_id, "revoked")


@api.route("/oauth/revoke", methods=["POST"])
def revoke():
    from idp.server import current_server

    return current_server().create_endpoint_response(Revocation.ENDPOINT_NAME)
