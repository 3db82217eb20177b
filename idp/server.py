"""Authlib's Flask AuthorizationServer, wired to our grants, storage and keys."""

from __future__ import annotations

from datetime import timedelta

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc9207 import IssuerParameter
from flask import Flask
from sqlalchemy import select

from edge.timestamps import utcnow
from idp import clients
from idp.grants.authorization_code import AuthorizationCodeGrant, OpenIDCode, S256CodeChallenge
from idp.grants.client_credentials import ClientCredentialsGrant
from idp.grants.device_code import DeviceCodeGrant
from idp.grants.families import token_hash
from idp.grants.refresh_token import RefreshIDToken, RefreshTokenGrant
from idp.grants.token_exchange import TokenExchangeGrant
from idp.models.tokens import RefreshToken, TokenFamily
from idp.services import IdpServices
from idp.tokens import AccessTokenGenerator


class OnegateAuthorizationServer(AuthorizationServer):
    """Grants and endpoints reach the provider's services as ``self.server.services``
    and work in the request's unit of work (``services.session()``)."""

    def __init__(self, services: IdpServices):
        self.services = services
        super().__init__()

    def query_client(self, client_id):
        # Token, introspection and revocation: the client's row from the worker's
        # cache (idp.client_cache: changes here at once, elsewhere within 2 s); a cached
        # client opens no transaction (the session is asked for only on a miss).
        return clients.find(self.services.session, self.services.client_secrets, client_id,
                            rows=self.services.client_cache)

    def save_token(self, token, request):
        """Only refresh tokens are stored (hashed); JWT access tokens need no write."""
        if "refresh_token" not in token:
            return
        user = request.user
        expires = utcnow() + timedelta(seconds=int(token.get("expires_in") or 0))
        session = self.services.session()
        session.add(RefreshToken(
            token_hash=token_hash(self.services.token_hash_key, token["refresh_token"]),
            family_id=user.family_id, access_jti=user.access_jti, access_expires_at=expires))
        session.flush()
        # The family may have been revoked since the grant checked it; revoke_family
        # could not see this row yet. Insert first, then read the family under a
        # share lock: a revocation either committed before (we see it and deny the
        # new access token ourselves) or waits for us and then sees the row.
        revoked = session.scalar(select(TokenFamily.revoked_at)
                                 .where(TokenFamily.family_id == user.family_id)
                                 .with_for_update(read=True))
        if revoked is not None:
            self.services.denylist.revoke(session, user.access_jti, expires)


class Issuer(IssuerParameter):
    """RFC 9207 section 2: the iss parameter in every authorization response."""

    def __init__(self, issuer: str):
        self.issuer = issuer

    def get_issuer(self) -> str:
        return self.issuer


def create_server(app: Flask, services: IdpServices) -> OnegateAuthorizationServer:
    from idp.device_endpoint import DeviceAuthorization
    from idp.introspection import Introspection
    from idp.logout import EndSession
    from idp.mandate_endpoint import MandateConfirmation, MandateRequest
    from idp.revocation import Revocation

    server = OnegateAuthorizationServer(services)
    server.init_app(app)
    server.register_token_generator("default", AccessTokenGenerator(services))
    # RFC 6749 section 2.3.1 / 5.2: our Basic parser answers malformed credentials
    # with 401 invalid_client (Authlib's raised UnicodeDecodeError on non-UTF-8).
    server.register_client_auth_method("client_secret_basic", clients.client_secret_basic)
    server.register_client_auth_method("private_key_jwt", clients.PrivateKeyJWT(services))
    server.register_grant(AuthorizationCodeGrant, [S256CodeChallenge(), OpenIDCode()])
    server.register_grant(RefreshTokenGrant, [RefreshIDToken()])
    server.register_grant(ClientCredentialsGrant)
    # RFC 8628: the ID token of a device grant is made as a refresh's is (no nonce).
    server.register_grant(DeviceCodeGrant, [RefreshIDToken()])
    # RFC 8693: a station system's 代办 token for a citizen, the clerk as actor.
    server.register_grant(TokenExchangeGrant)
    server.register_endpoint(DeviceAuthorization)
    server.register_endpoint(MandateRequest)
    server.register_endpoint(MandateConfirmation)
    server.register_endpoint(Revocation)
    server.register_endpoint(Introspection)
    server.register_endpoint(EndSession)
    server.register_extension(Issuer(services.issuer))
    return server
