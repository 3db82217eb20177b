"""client_credentials for departments' systems, limited to each client's scopes."""

from __future__ import annotations

from authlib.oauth2.rfc6749 import grants

from idp import clients


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    # RFC 6749 section 4.4: "The client credentials grant type MUST only be used by
    # confidential clients."
    TOKEN_ENDPOINT_AUTH_METHODS = list(clients.CONFIDENTIAL_METHODS)
