"""The authorization code grant with PKCE (S256 only) and OpenID Connect."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import grants as oidc_grants
from authlib.oidc.core.grants.util import is_openid_scope
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from edge.timestamps import utcnow
from idp import clients, representation, tokens
from idp.denylist import AccessTokenDenylist
from idp.grants.families import revoke_family, token_hash
from idp.models.tokens import AuthorizationCode, TokenFamily
from idp.representation import NotRepresentative
from idp.sign_in_counts import count_sign_in

if TYPE_CHECKING:
    from idp.services import IdpServices

log = logging.getLogger("onegate.idp.grants")


class RedeemedCode:
    """Authlib's AuthorizationCodeMixin view of a code row just redeemed."""

    def __init__(self, row: AuthorizationCode):
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self):
        return self.row.redirect_uri

    def get_scope(self):
        return self.row.scope

    def get_nonce(self):
        return self.row.nonce

    def get_auth_time(self):
        return self.row.auth_time

    def get_acr(self):
        return self.row.acr

    def get_amr(self):
        return self.row.amr


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = list(clients.AUTH_METHODS)

    def save_authorization_code(self, code, request):
        services = self.server.services
        user: tokens.EndUser = request.user
        data = request.payload.data
        ttl = services.settings.auth_code_ttl
        services.session().add(AuthorizationCode(
            code_hash=token_hash(services.token_hash_key, code),
            client_id=request.client.get_client_id(),
            redirect_uri=request.payload.redirect_uri, scope=request.scope or "",
            sub=user.sub, sid=user.sid, nonce=data.get("nonce"),
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
            auth_time=user.auth_time, acr=user.acr, amr=user.amr,
            party_sub=user.party.sub if user.party else None,
            authorisation_id=user.party.authorisation_id if user.party else None,
            # RFC 6749 section 4.1.2: the code MUST expire shortly after issue.
            expires_at=utcnow() + timedelta(seconds=ttl)))
        # A sign-in at this hall, counted in the same unit of work (idp.sign_in_counts).
        count_sign_in(services.session(), request.client.get_client_id())

    def query_authorization_code(self, code, client):
        return redeem(self.server.services, code, client.get_client_id())

    def delete_authorization_code(self, authorization_code):
        """Kept (hashed, marked used) so that a replay can be detected and punished."""

    def authenticate_user(self, authorization_code):
        """The person, and the enterprise they chose to act for if its authorisation is
        still live (None, hence invalid_grant, otherwise)."""
        row = authorization_code.row
        session = self.server.services.session()
        if not _account_usable(session, row.sub):
            return None
        try:
            party = live_party(session, row.authorisation_id, row.sub, row.party_sub)
        except NotRepresentative:
            return None
        return tokens.EndUser(sub=row.sub, sid=row.sid, auth_time=row.auth_time, acr=row.acr,
                              amr=row.amr, access_jti=row.access_jti, family_id=row.family_id,
                              party=party)


def live_party(session: Session, authorisation_id: int | None, person_sub: str,
               party_sub: str | None):
    """None when acting for oneself, else the re-checked Party.

    Raises NotRepresentative when the authorisation ended since it was chosen."""
    if authorisation_id is None:
        return None
    return representation.recheck(session, authorisation_id, person_sub, party_sub or "")


def _account_usable(session: Session, sub: str) -> bool:
    from idp import accounts

    account = accounts.get_by_sub(session, sub)
    return account is not None and not account.locked


def redeem(services: IdpServices, code: str, client_id: str) -> RedeemedCode | None:
    """Mark the code used (atomically) and assign the ids of what it will produce.

    RFC 6749 section 4.1.2: "If an authorization code is used more than once, the
    authorization server MUST deny the request and SHOULD revoke (when possible) all
    tokens previously issued based on that authorization code."

    The replay's revocation is written in the request's transaction: Authlib answers
    the refused grant as a response (it does not raise), so the edge commits it.
    """
    if not isinstance(code, str) or len(code) > 200:
        return None
    session = services.session()
    digest = token_hash(services.token_hash_key, code)
    row = session.scalar(select(AuthorizationCode).where(AuthorizationCode.code_hash == digest))
    if row is None or row.client_id != client_id:
        return None
    if row.used_at is not None:
        _punish_replay(session, services.denylist, row)
        return None
    if row.expires_at <= utcnow():
        return None
    jti, family_id = tokens.new_jti(), tokens.new_jti()
    claimed = session.execute(
        update(AuthorizationCode)
        .where(AuthorizationCode.id == row.id, AuthorizationCode.used_at.is_(None))
        .values(used_at=utcnow(), access_jti=jti, family_id=family_id)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        # A concurrent redemption won (it committed first): this one is a replay.
        session.refresh(row)
        _punish_replay(session, services.denylist, row)
        return None
    row.used_at, row.access_jti, row.family_id = utcnow(), jti, family_id
    session.add(_family_for(row, services.settings.refresh_token_ttl))
    return RedeemedCode(row)


def _family_for(row: AuthorizationCode, ttl: int) -> TokenFamily:
    return TokenFamily(family_id=row.family_id, client_id=row.client_id, sub=row.sub,
                       sid=row.sid, scope=row.scope, auth_time=row.auth_time, acr=row.acr,
                       amr=row.amr, party_sub=row.party_sub,
                       authorisation_id=row.authorisation_id,
                       expires_at=utcnow() + timedelta(seconds=ttl))


def _punish_replay(session: Session, denylist: AccessTokenDenylist,
                   row: AuthorizationCode) -> None:
    log.warning("authorization code replayed", extra={"client_id": row.client_id})
    if row.family_id:
        revoke_family(session, denylist, row.family_id, "code_replay")
    if row.access_jti:
        denylist.revoke(session, row.access_jti, None)


class S256CodeChallenge(CodeChallenge):
    """PKCE required for every client, S256 only (RFC 9700 section 2.1.1)."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def __init__(self):
        super().__init__(required=True)

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            # RFC 9700 section 2.1.1: we require PKCE from every client.
            raise InvalidRequestError(
                "The code_challenge parameter is missing (PKCE is required).")
        # RFC 7636 section 4.3 defaults a missing method to "plain"; we refuse plain.
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("The code_challenge_method must be S256.")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant, result):
        request = grant.request
        verifier = request.form.get("code_verifier")
        challenge = self.get_authorization_code_challenge(request.authorization_code)
        if not challenge and verifier:
            # RFC 9700 section 4.8.2: the AS MUST reject a token request with a
            # code_verifier when the authorization request had no code_challenge.
            raise InvalidGrantError("A code_verifier was sent but the request had no "
                                    "code_challenge.")
        if challenge and not verifier:
            raise InvalidGrantError("The code_verifier parameter is missing.")
        # RFC 7636 section 4.6: a mismatch MUST return invalid_grant.
        super().validate_code_verifier(grant, result)


class OpenIDCode(oidc_grants.OpenIDCode):
    """OpenID Connect for the code grant; prompt handling lives in idp.authorize."""

    def __init__(self):
        super().__init__(require_nonce=False)

    def __call__(self, grant):
        self.services = grant.server.services
        grant.register_hook("after_create_token_response", self.process_token)
        if is_openid_scope(grant.request.payload.scope):
            grant.register_hook("after_validate_authorization_request_payload",
                                self.validate_openid_authorization_request)

    def exists_nonce(self, nonce, request):
        return self.services.session().scalar(select(AuthorizationCode.id).where(
            AuthorizationCode.client_id == request.payload.client_id,
            AuthorizationCode.nonce == nonce).limit(1)) is not None

    def encode_id_token(self, token, request):
        code = request.authorization_code
        return tokens.id_token(self.services, request.client, request.user,
                               nonce=code.get_nonce(), access_token=token.get("access_token"))
