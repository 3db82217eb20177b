"""The token endpoint (RFC 6749 section 3.2), with a request budget per client."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import unquote

from flask import Blueprint, request

from idp.errors import (
    InvalidRequestError,
    OAuth2Error,
    TemporarilyUnavailableError,
    ThrottleUnavailable,
    TooManyAttempts,
)
from idp.parameters import check_single

#: The environ key by which idp.token_fast_path hands a request it already counted
#: against the token budget to this view: None (admitted) or the refusal it met
#: (TooManyAttempts or ThrottleUnavailable). Never set from the request itself (WSGI
#: puts client headers under ``HTTP_``).
COUNTED = "onegate.token_budget.counted"
_UNCOUNTED = object()

if TYPE_CHECKING:
    from idp.services import IdpServices


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


def claimed_client_id() -> str:
    """The client_id the request names (Basic user, form field or the ``sub`` of a
    client assertion), unverified: only a rate-limit key. Never raises."""
    return claimed_client(request.headers.get("Authorization", ""), request.values,
                          request.remote_addr)


def claimed_client(header: str, values: Mapping[str, str], remote_addr: str | None) -> str:
    """``claimed_client_id`` on the request's parts (``header``: the Authorization value
    or ""); idp.token_fast_path counts with it too, so both paths spend the same key.
    Never raises."""
    if header[:6].lower() == "basic ":
        try:
            user = base64.b64decode(header[6:].strip(), validate=True).decode()
            return "id:" + unquote(user.split(":", 1)[0])
        except (binascii.Error, UnicodeDecodeError):
            pass
    if values.get("client_id"):
        return "id:" + values["client_id"]
    assertion = values.get("client_assertion", "")
    try:
        payload = assertion.split(".")[1]
        return "id:" + str(json.loads(base64.urlsafe_b64decode(payload + "==="))["sub"])
    except (IndexError, ValueError, KeyError, TypeError, binascii.Error):
        return "anonymous:" + (remote_addr or "")


def budget_key(claimed: str, remote_addr: str | None) -> str:
    """The token budget's key: the claimed client at its source address."""
    return f"{claimed}@{remote_addr or ''}"


def check_rate(services: IdpServices) -> None:
    """Count the request against the budget of its client at its source address
    (ONEGATE_TOKEN_RATE_LIMIT per ONEGATE_TOKEN_RATE_WINDOW, shared by workers;
    with Redis settled in batches, idp.throttle.TokenBudget states the bound).
    The client_id is only claimed at this point, so the address is part of the key:
    someone who knows a hall's public client_id cannot spend the hall's own budget.
    Raises temporarily_unavailable: 429 over the budget, 503 when the budget cannot
    be counted (fails closed)."""
    # The throttle store counts in its own short transaction (or in Redis), before
    # the request's first write: a refused grant must still have been counted.
    try:
        # A request the WSGI fast path (idp.token_fast_path) counted and then left to
        # this view is not counted twice (COUNTED); its refusal is answered here.
        counted = request.environ.get(COUNTED, _UNCOUNTED)
        if counted is _UNCOUNTED:
            services.token_budget.hit(budget_key(claimed_client_id(), request.remote_addr))
        elif counted is not None:
            raise counted
    except TooManyAttempts as exc:
        raise TemporarilyUnavailableError(
            f"Too many token requests for this client; retry after {exc.retry_after} s.",
            exc.retry_after) from None
    except ThrottleUnavailable as exc:
        raise TemporarilyUnavailableError(
            "The token endpoint cannot count requests right now; retry later.",
            exc.retry_after, status_code=503) from None


def register(api: Blueprint, server) -> None:
    """Add the token endpoint to the OAuth API blueprint."""

    @api.route("/oauth/token", methods=["POST"])
    def token():
        try:
            check_token_request()
            check_rate(server.services)
        except OAuth2Error as error:
            return server.handle_error_response(None, error)
        # RFC 6749 section 5.1: responses carry Cache-Control: no-store (Authlib adds it).
        return server.create_token_response()
