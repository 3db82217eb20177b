"""The device code grant (RFC 8628 section 3.4): a terminal's poll of the token
endpoint, answered from ``idp.device_authorizations``."""

from __future__ import annotations

from datetime import timedelta

from authlib.oauth2.rfc8628 import DEVICE_CODE_GRANT_TYPE
from authlib.oauth2.rfc8628 import DeviceCodeGrant as AuthlibDeviceCodeGrant

from edge.timestamps import utcnow
from idp import clients, device_authorizations, tokens
from idp.errors import InvalidGrantError, InvalidRequestError, UnauthorizedClientError
from idp.models.device_authorizations import DeviceAuthorization
from idp.models.tokens import TokenFamily
from idp.sign_in_counts import count_sign_in


class DeviceCredential:
    """Authlib's DeviceCredentialMixin view of a request just redeemed."""

    def __init__(self, row: DeviceAuthorization):
        self.row = row

    def get_client_id(self):
        return self.row.client_id

    def get_scope(self):
        return self.row.scope

    def get_user_code(self):
        return None  # never kept in clear

    def is_expired(self):
        return False  # checked (with the one clock) in device_authorizations.redeem


class DeviceCodeGrant(AuthlibDeviceCodeGrant):
    """RFC 8628 section 3.4: "grant_type REQUIRED. Value MUST be set to
    "urn:ietf:params:oauth:grant-type:device_code"." Public terminals (auth method
    none) and confidential ones authenticate as registered (RFC 6749 section 3.2.1)."""

    GRANT_TYPE = DEVICE_CODE_GRANT_TYPE
    TOKEN_ENDPOINT_AUTH_METHODS = list(clients.AUTH_METHODS)

    def validate_token_request(self):
        """Authlib's checks, with two answers changed to RFC 6749 section 5.2's: an
        unknown device code, or one issued to another client, is invalid_grant (Authlib
        says invalid_request and unauthorized_client). Raises the OAuth2Error to send."""
        device_code = self.request.payload.data.get("device_code")
        if not device_code:
            raise InvalidRequestError("The device_code parameter is missing.")
        client = self.authenticate_token_endpoint_client()
        if not client.check_grant_type(self.GRANT_TYPE):
            raise UnauthorizedClientError("This client may not use the device code grant.")
        services = self.server.services
        session = services.session()
        row = device_authorizations.find_by_device_code(session, services.token_hash_key,
                                                        device_code)
        row = device_authorizations.redeem(
            session, services.denylist, row, purpose=device_authorizations.TERMINAL,
            client_id=client.get_client_id(), access_jti=tokens.new_jti(),
            family_id=tokens.new_jti())
        self.request.user = self._approver(row)
        self.request.client = client
        self.request.credential = DeviceCredential(row)
        session.add(_family(row, services.settings.refresh_token_ttl))
        # A person signed in at this terminal: one sign-in of its hall (idp.sign_in_counts).
        count_sign_in(session, client.get_client_id())

    def _approver(self, row: DeviceAuthorization) -> tokens.EndUser:
        """The person who approved on their phone, with what their session proved;
        raises InvalidGrantError when their account was locked since."""
        from idp import accounts

        account = accounts.get_by_sub(self.server.services.session(), row.sub)
        if account is None or account.locked:
            raise InvalidGrantError("The account can no longer be used.")
        return tokens.EndUser(sub=row.sub, sid=row.sid, auth_time=auth_time(row), acr=row.acr,
                              amr=list(row.amr or []), access_jti=row.access_jti,
                              family_id=row.family_id)


def auth_time(row: DeviceAuthorization) -> int:
    """OIDC Core 2 auth_time: when the approving phone's session authenticated."""
    return int(row.authenticated_at.timestamp())


def _family(row: DeviceAuthorization, ttl: int) -> TokenFamily:
    """The refresh-token family of the tokens about to be issued: revoked with the
    phone's session (its ``sid``), on a replay of the device code, or on reuse."""
    return TokenFamily(family_id=row.family_id, client_id=row.client_id, sub=row.sub,
                       sid=row.sid, scope=row.scope, auth_time=auth_time(row), acr=row.acr,
                       amr=row.amr, expires_at=utcnow() + timedelta(seconds=ttl))
