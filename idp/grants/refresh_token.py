"""The refresh_token grant: rotated on every use (RFC 9700 section 4.14.2).

Spending a token is one conditional UPDATE, so of any number of concurrent
presentations exactly one wins and gets a successor: a family never has two
live branches. A spent token presented again inside ``REFRESH_REUSE_GRACE``
(a retry, a second tab) is refused with invalid_grant and the family lives on;
later, it is taken as theft and the whole family is revoked."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError
from sqlalchemy import select, update

from edge.timestamps import utcnow
from idp import clients, tokens
from idp.grants.authorization_code import live_party
from idp.grants.families import find_refresh_token, revoke_family
from idp.models.tokens import RefreshToken, TokenFamily
from idp.representation import NotRepresentative

if TYPE_CHECKING:
    from idp.services import IdpServices

log = logging.getLogger("onegate.idp.grants")


class RefreshCredential:
    """Authlib's TokenMixin view of the family a presented refresh token belongs to."""

    def __init__(self, family: TokenFamily):
        self.family = family

    def check_client(self, client):
        return client.get_client_id() == self.family.client_id

    def get_scope(self):
        return self.family.scope

    def is_revoked(self):
        return self.family.revoked_at is not None


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = list(clients.AUTH_METHODS)
    # RFC 9700 section 4.14.2: refresh tokens for public clients MUST be
    # sender-constrained or use rotation; we rotate for every client.
    INCLUDE_NEW_REFRESH_TOKEN = True

    def _validate_request_token(self, client):
        value = self.request.form.get("refresh_token")
        if not value:
            raise InvalidRequestError("Missing 'refresh_token' in request.")
        credential = self.authenticate_refresh_token(value)
        if credential is None:
            raise InvalidGrantError("The refresh token is invalid, expired or revoked.")
        return credential

    def authenticate_refresh_token(self, refresh_token):
        """Rotate the presented token for the authenticated client; None if invalid."""
        return rotate(self.server.services, refresh_token, self.request.client.get_client_id())

    def authenticate_user(self, credential):
        from idp import accounts

        family = credential.family
        account = accounts.get_by_sub(self.server.services.session(), family.sub)
        if account is None or account.locked:
            raise InvalidGrantError("The account can no longer be used.")
        try:
            party = live_party(self.server.services.session(), family.authorisation_id,
                               family.sub, family.party_sub)
        except NotRepresentative:
            # The choice made at login is kept, and re-checked: an authorisation
            # withdrawn or expired since then ends the refresh token's family too.
            revoke_family(self.server.services.session(), self.server.services.denylist,
                          family.family_id, "authorisation_ended")
            raise InvalidGrantError("The authorisation to act for the enterprise has "
                                    "ended.") from None
        return tokens.EndUser(sub=family.sub, sid=family.sid, auth_time=family.auth_time,
                              acr=family.acr, amr=family.amr, family_id=family.family_id,
                              party=party)

    def revoke_old_credential(self, refresh_token):
        """Already marked rotated, atomically, in rotate()."""


def rotate(services: IdpServices, value: str, client_id: str) -> RefreshCredential | None:
    """Spend a refresh token; None if unknown, foreign, revoked, expired or already
    spent (revoking the family when spent longer ago than the grace window).

    The reuse revocation is written in the request's transaction: Authlib answers the
    refused grant (invalid_grant) as a response rather than raising, so the edge
    commits the revocation together with nothing else."""
    if len(value) > 200:
        return None
    now = utcnow()
    grace = timedelta(seconds=services.settings.refresh_reuse_grace)
    session = services.session()
    row = find_refresh_token(session, services.token_hash_key, value)
    family = session.get(TokenFamily, row.family_id) if row is not None else None
    if family is None or family.client_id != client_id:
        return None
    if family.revoked_at is not None or family.expires_at <= now:
        return None
    rotated_at = row.rotated_at
    if rotated_at is None:
        spent = session.execute(
            update(RefreshToken)
            .where(RefreshToken.id == row.id, RefreshToken.rotated_at.is_(None))
            .values(rotated_at=now).execution_options(synchronize_session=False))
        if spent.rowcount == 1:
            return RefreshCredential(family)
        rotated_at = session.scalar(select(RefreshToken.rotated_at)
                                    .where(RefreshToken.id == row.id)) or now
    if now - rotated_at <= grace:
        # A concurrent refresh (two tabs, a retried request): its twin already got
        # the one successor; a second would fork the family.
        log.info("spent refresh token presented within the grace window; refused",
                 extra={"client_id": client_id})
        return None
    log.warning("refresh token reused; family revoked", extra={"client_id": client_id})
    revoke_family(session, services.denylist, family.family_id, "refresh_reuse")
    return None


class RefreshIDToken:
    """OIDC Core 12.2: a refresh response may carry a new ID token (no nonce)."""

    def __call__(self, grant):
        grant.register_hook("after_create_token_response", self.process_token)

    def process_token(self, grant, response):
        _, token, _ = response
        if "openid" in (token.get("scope") or "").split():
            token["id_token"] = tokens.id_token(grant.server.services, grant.request.client,
                                                grant.request.user, nonce=None,
                                                access_token=token.get("access_token"))
        return token
