"""Protocol errors as classes carrying their wire code, caught in one place.

Two sections: the OAuth/OIDC protocol errors (owned by the protocol engineer) and the
accounts/login errors (owned by the accounts engineer).
"""

from __future__ import annotations

from authlib.oauth2.rfc6749.errors import (  # noqa: F401  (re-exported wire errors)
    AccessDeniedError,
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Error,
    UnauthorizedClientError,
)
from authlib.oauth2.rfc8628.errors import (  # noqa: F401  (RFC 8628 section 3.5)
    AuthorizationPendingError,
    ExpiredTokenError,
    SlowDownError,
)
from authlib.oidc.core.errors import (  # noqa: F401
    ConsentRequiredError,
    InteractionRequiredError,
    LoginRequiredError,
)

# ---------------------------------------------------------------------------
# OAuth / OpenID Connect protocol section
# ---------------------------------------------------------------------------


class AuthorizePageError(Exception):
    """The authorization request cannot be trusted to redirect anywhere (unknown
    client, unregistered redirect URI): RFC 6749 section 4.1.2.1 says the server
    MUST NOT redirect, so the person sees an error page instead."""

    error = "invalid_request"

    def __init__(self, error: str, description: str):
        super().__init__(description)
        self.error = error
        self.description = description


class InvalidTokenError(OAuth2Error):
    """RFC 6750 section 3.1: the access token is expired, revoked, malformed or invalid."""

    error = "invalid_token"
    status_code = 401

    def get_headers(self):
        headers = super().get_headers()
        desc = (self.get_error_description() or "").replace('"', "'")
        headers.append(("WWW-Authenticate",
                        f'Bearer error="{self.error}", error_description="{desc}"'))
        return headers


class MalformedBearerError(InvalidTokenError):
    """RFC 6750 section 3.1 invalid_request (HTTP 400): the request carries an access
    token, but not in the one form section 2 allows."""

    error = "invalid_request"
    status_code = 400


class BasicAuthError(InvalidClientError):
    """RFC 6749 section 5.2: "If the client attempted to authenticate via the
    'Authorization' request header field, the authorization server MUST respond with
    an HTTP 401 (Unauthorized) status code and include the WWW-Authenticate response
    header field matching the authentication scheme used by the client." RFC 7617
    section 2 makes the realm parameter of the Basic challenge required."""

    status_code = 401

    def get_headers(self):
        headers = [h for h in OAuth2Error.get_headers(self) if h[0] != "WWW-Authenticate"]
        desc = (self.get_error_description() or "").replace('"', "'")
        headers.append(("WWW-Authenticate", f'Basic realm="onegate", error="{self.error}", '
                                            f'error_description="{desc}"'))
        return headers


class MissingTokenError(OAuth2Error):
    """RFC 6750 section 3.1: "If the request lacks any authentication information
    (e.g., the client was unaware that authentication is necessary or attempted
    using an unsupported authentication method), the resource server SHOULD NOT
    include an error code or other error information." A bare challenge, HTTP 401."""

    error = "invalid_request"
    status_code = 401

    def get_body(self):
        return []

    def get_headers(self):
        return [("Content-Type", "application/json"), ("Cache-Control", "no-store"),
                ("Pragma", "no-cache"), ("WWW-Authenticate", 'Bearer realm="onegate"')]


class InsufficientScopeError(InvalidTokenError):
    """RFC 6750 section 3.1: the token lacks the scope the resource needs."""

    error = "insufficient_scope"
    status_code = 403


class InvalidTargetError(OAuth2Error):
    """RFC 8693 section 2.2.2: the token exchange was asked for an ``audience`` or a
    ``resource`` the provider will not issue a token for."""

    error = "invalid_target"


class TemporarilyUnavailableError(OAuth2Error):
    """RFC 6749 section 4.1.2.1's ``temporarily_unavailable``, used at the token
    endpoint too: 429 when the client spent its request budget, 503 when the rate
    limiter cannot count (it fails closed); ``Retry-After`` (RFC 9110 section 10.2.3)
    says when to come back."""

    error = "temporarily_unavailable"

    def __init__(self, description: str, retry_after: int, status_code: int = 429):
        super().__init__(description, status_code=status_code)
        self.retry_after = retry_after

    def get_headers(self):
        return [*super().get_headers(), ("Retry-After", str(self.retry_after))]


# ---------------------------------------------------------------------------
# Accounts / login section (accounts engineer)
# ---------------------------------------------------------------------------


class AccountError(Exception):
    """Base class of the accounts and login errors."""


class InvalidSecondFactor(AccountError):
    """A TOTP or recovery code is wrong, unknown or already used."""


class SecondFactorNotEnrolled(AccountError):
    """The account has no (pending) authenticator enrolment."""


class SealBroken(AccountError):
    """A sealed secret cannot be opened with this key, data and associated data."""


class InvalidCredentials(AccountError):
    """Unknown login or wrong password (never says which)."""


class AccountLocked(AccountError):
    """The account is locked by an operator or the throttle."""


class TooManyAttempts(AccountError):
    """Throttled: try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"too many attempts; retry after {retry_after} s")
        self.retry_after = retry_after


class ThrottleUnavailable(AccountError):
    """The throttle's store cannot be reached, so nothing is admitted (fails closed):
    try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"throttle unavailable; retry after {retry_after} s")
        self.retry_after = retry_after


class InvalidAccountData(AccountError):
    """A field of a new or changed account is invalid; ``field`` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class DuplicateAccount(AccountError):
    """Another account already has this ``field`` value."""

    def __init__(self, field: str):
        super().__init__(f"an account with this {field} already exists")
        self.field = field


class UnknownAccount(AccountError):
    """No account matches."""


# ---------------------------------------------------------------------------
# Staff roles and halls (idp.staff, idp.halls)
# ---------------------------------------------------------------------------


class UnknownHall(AccountError):
    """No hall has this code."""


class DuplicateHall(AccountError):
    """A hall with this code already exists."""


# ---------------------------------------------------------------------------
# Account recovery (idp.reset_codes, idp.counter, idp.self_service)
# ---------------------------------------------------------------------------


class ResetCodeRejected(AccountError):
    """A reset code cannot be spent; ``reason`` is ``wrong``, ``expired`` or ``used``
    (``used`` also covers a code voided by a newer one). Only someone holding the
    right code for the account ever sees anything but ``wrong``."""

    def __init__(self, reason: str):
        super().__init__(f"reset code {reason}")
        self.reason = reason


class IdDocumentNotChecked(AccountError):
    """A clerk tried a counter recovery without confirming the ID document check."""


class NotRecoverableAtCounter(AccountError):
    """Staff accounts are not recovered at a counter (a clerk could take over an
    administrator's account); their administrators reset them."""
