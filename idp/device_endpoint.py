"""The device authorization endpoint (RFC 8628 section 3.1 and 3.2):
``POST /oauth/device_authorization``, where a terminal asks for a device code and a
user code to show."""

from __future__ import annotations

from authlib.oauth2.rfc8628 import DEVICE_CODE_GRANT_TYPE, DeviceAuthorizationEndpoint
from flask import Blueprint
from flask import request as flask_request

from idp import clients, device_authorizations, user_codes
from idp.errors import (
    InvalidScopeError,
    OAuth2Error,
    TemporarilyUnavailableError,
    ThrottleUnavailable,
    TooManyAttempts,
    UnauthorizedClientError,
)
from idp.parameters import check_single
from idp.throttle import RateLimit

PATH = "/oauth/device_authorization"
VERIFICATION_PATH = "/device"
#: New device authorization requests per claimed client_id and source address per
#: minute: a terminal starts one per person, a hall's terminals share an address.
REQUESTS_PER_MINUTE = 120
_NO_STORE = [("Content-Type", "application/json"), ("Cache-Control", "no-store"),
             ("Pragma", "no-cache")]


class DeviceAuthorization(DeviceAuthorizationEndpoint):
    """RFC 8628 section 3.1: "The client authentication requirements of Section 3.2.1
    of [RFC6749] apply to requests on this endpoint": a confidential terminal
    authenticates as it registered, a public one (auth method none) names its
    client_id."""

    CLIENT_AUTH_METHODS = list(clients.AUTH_METHODS)

    def create_endpoint_response(self, request):
        """The section 3.2 response; raises invalid_client, unauthorized_client (a
        client not registered for the device code grant) or invalid_scope."""
        client = self.authenticate_client(request)
        if not client.check_grant_type(DEVICE_CODE_GRANT_TYPE):
            raise UnauthorizedClientError("This client may not use the device code grant.")
        scope = client.get_allowed_scope(request.payload.scope)
        if scope is None:
            raise InvalidScopeError("The requested scope is not allowed for this client.")
        services = self.server.services
        settings = services.settings
        started = device_authorizations.start(
            services.session(), services.token_hash_key,
            device_authorizations.Request(
                purpose=device_authorizations.TERMINAL, client_id=client.get_client_id(),
                scope=scope, acr_required=requested_acr(request.payload.data)),
            ttl=settings.device_code_ttl, interval=settings.device_poll_interval,
            keep=settings.refresh_token_ttl)
        shown = user_codes.shown(started.user_code)
        uri = services.issuer + VERIFICATION_PATH
        # Section 3.2: device_code, user_code, verification_uri and expires_in are
        # REQUIRED; interval is sent so that no terminal has to assume the default.
        body = {"device_code": started.device_code, "user_code": shown,
                "verification_uri": uri,
                "verification_uri_complete": f"{uri}?user_code={shown}",
                "expires_in": settings.device_code_ttl,
                "interval": settings.device_poll_interval}
        return 200, body, _NO_STORE


def requested_acr(data) -> str | None:
    """``acr_values`` (our extension of the section 3.1 request, as in OIDC Core
    3.1.2.1): "loa-2" among them makes the approving session step up to loa-2."""
    values = (data.get("acr_values") or "").split()
    return "loa-2" if "loa-2" in values else None


def check_request_rate(services) -> None:
    """At most REQUESTS_PER_MINUTE new requests per claimed client_id and source
    address: each is a stored row, and a public terminal's client_id is no secret.
    Raises temporarily_unavailable (429; 503 when the count cannot be kept)."""
    from idp.token_endpoint import claimed_client_id

    limit = RateLimit(services.throttle_store, REQUESTS_PER_MINUTE, 60, prefix="devauth:")
    try:
        limit.hit(f"{claimed_client_id()}@{flask_request.remote_addr or ''}")
    except TooManyAttempts as exc:
        raise TemporarilyUnavailableError(
            f"Too many device authorization requests; retry after {exc.retry_after} s.",
            exc.retry_after) from None
    except ThrottleUnavailable as exc:
        raise TemporarilyUnavailableError(
            "Device authorization requests cannot be counted right now; retry later.",
            exc.retry_after, status_code=503) from None


def register(api: Blueprint, server) -> None:
    """Add the endpoint to the OAuth API blueprint, with the token endpoint's budget
    per client and address and a budget of new requests of its own."""
    from idp.token_endpoint import check_rate

    @api.route(PATH, methods=["POST"])
    def device_authorization():
        try:
            # RFC 6749 section 3.2 (parameters at most once), as at the token endpoint
            check_single(flask_request.values)
            check_rate(server.services)
            check_request_rate(server.services)
        except OAuth2Error as error:
            return server.handle_error_response(None, error)
        return server.create_endpoint_response(DeviceAuthorization.ENDPOINT_NAME)
