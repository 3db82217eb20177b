"""OpenID Provider metadata (Discovery 1.0 section 3), advertising exactly what is
implemented."""

from __future__ import annotations

import math

from flask import Blueprint, Response, request

from edge.published import PublishedDocument, json_body
from idp import clients, sso
from idp.claims import CLAIM_NAMES
from idp.scope_descriptions import SCOPES, SYSTEM_SCOPES

ID_TOKEN_CLAIMS = ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr",
                   "sid", "at_hash"]
CLAIMS = ID_TOKEN_CLAIMS + [c for names in CLAIM_NAMES.values() for c in names]


def metadata(issuer: str) -> dict:
    base = issuer
    return {
        # Discovery 1.0 section 4.3: issuer MUST be identical to the iss in tokens.
        "issuer": base,
        "authorization_endpoint": base + "/oauth/authorize",
        "token_endpoint": base + "/oauth/token",
        "userinfo_endpoint": base + "/oauth/userinfo",
        "jwks_uri": base + "/jwks",
        "end_session_endpoint": base + "/oauth/logout",
        "revocation_endpoint": base + "/oauth/revoke",
        "introspection_endpoint": base + "/oauth/introspect",
        # RFC 8628 section 4: the device authorization endpoint's URL.
        "device_authorization_endpoint": base + "/oauth/device_authorization",
        "scopes_supported": [*SCOPES, *SYSTEM_SCOPES],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": list(clients.GRANT_TYPES),
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": list(clients.ID_TOKEN_ALGS),
        "token_endpoint_auth_methods_supported": list(clients.AUTH_METHODS),
        # RFC 8414 section 2: the *_auth_signing_alg_values_supported entries MUST be
        # present when private_key_jwt is among the endpoint's methods.
        "token_endpoint_auth_signing_alg_values_supported": list(clients.ASSERTION_ALGS),
        "revocation_endpoint_auth_methods_supported": list(clients.AUTH_METHODS),
        "revocation_endpoint_auth_signing_alg_values_supported": list(clients.ASSERTION_ALGS),
        "introspection_endpoint_auth_methods_supported": list(clients.CONFIDENTIAL_METHODS),
        "introspection_endpoint_auth_signing_alg_values_supported":
            list(clients.ASSERTION_ALGS),
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": CLAIMS,
        "acr_values_supported": list(sso.ACRS),
        "prompt_values_supported": ["none", "login", "consent"],
        "ui_locales_supported": ["zh-CN", "en"],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "frontchannel_logout_supported": False,
    }


def document(issuer: str) -> PublishedDocument:
    """The metadata as published bytes: fixed for the life of the process."""
    return PublishedDocument(lambda: json_body(metadata(issuer)), media_type="application/json",
                             max_age=300, version=lambda: issuer, check_every=math.inf)


def register(api: Blueprint, published: PublishedDocument) -> None:
    """Add the discovery document (``document``) to the OAuth API blueprint
    (admin.published answers the same GET before Flask's dispatch)."""

    @api.get("/.well-known/openid-configuration")
    def openid_configuration():
        code, body, headers = published.snapshot().answer(request.headers.get("If-None-Match"))
        response = Response(body, status=code, headers=headers)
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response
