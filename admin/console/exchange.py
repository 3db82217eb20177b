"""The console's authorization-code exchange, server-side over HTTP.

Why server-side, over HTTP, in the same service: the console is a confidential
client (its secret never reaches a browser) and it learns who signed in only from an
ID token it received directly from the token endpoint (OIDC Core 3.1.3.7 lets such
a client skip nothing else). DESIGN.md warns that a request calling its own process's
token endpoint deadlocks a single sync worker: the callback request holds a worker
thread while it waits, and the exchange needs another. ``onegate serve`` runs
threaded workers (granian or gunicorn gthread, 8 threads each by default), so another
thread answers; a bounded timeout (``TIMEOUT``) turns a starved server into a
readable "try again" page, never a hang. tests/admin/console/test_live_signin.py
signs a staff member in through a live ``onegate serve``, not only the dev server.
Where the public issuer URL is not reachable from the servers themselves, set
``ONEGATE_CONSOLE_TOKEN_URL`` to an internal address of the token endpoint.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import quote

import requests

log = logging.getLogger("onegate.console")
TIMEOUT = 10.0


class ExchangeFailed(Exception):
    """The token endpoint refused the code, or could not be reached in time."""


class TokenExchange(Protocol):
    def __call__(self, code: str, verifier: str, redirect_uri: str) -> dict:
        """The token response's JSON; raises ExchangeFailed."""


@dataclass(frozen=True)
class HttpTokenExchange:
    """RFC 6749 section 4.1.3 with RFC 7636's ``code_verifier``; client_secret_basic."""

    url: str
    client_id: str
    secret: str = field(repr=False)
    timeout: float = TIMEOUT

    def __call__(self, code: str, verifier: str, redirect_uri: str) -> dict:
        # RFC 6749 section 2.3.1: id and secret are form-encoded before Basic auth.
        auth = (quote(self.client_id, safe=""), quote(self.secret, safe=""))
        data = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": redirect_uri, "code_verifier": verifier}
        try:
            response = requests.post(self.url, data=data, auth=auth, timeout=self.timeout)
        except requests.RequestException as exc:
            log.warning("console token exchange failed: %s", type(exc).__name__)
            raise ExchangeFailed("the token endpoint did not answer") from None
        if response.status_code != 200:
            error = _error_code(response)
            log.warning("console token exchange refused: %s %s", response.status_code, error)
            raise ExchangeFailed(f"the token endpoint refused the code ({error})")
        try:
            return response.json()
        except ValueError:
            raise ExchangeFailed("the token endpoint answered no JSON") from None


def _error_code(response) -> str:
    try:
        return str(response.json().get("error", "unknown"))[:64]
    except (ValueError, AttributeError):
        return "unknown"
