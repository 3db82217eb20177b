"""Status List Tokens fetched through a StatusSource, verified, and cached per their ttl.

The list is verified with the credential issuer's own published keys: a list
signed by anyone else says nothing about that issuer's licences.
"""

from __future__ import annotations

import threading
from typing import Any

from credentials.formats import jws, status_list
from credentials.formats.errors import FormatError
from keys.jwk import public_key_from_jwk
from verify.errors import StatusUnavailable
from verify.sources import StatusSource, TrustedIssuer

DEFAULT_TTL = 300
MAX_TTL = 86400


class StatusCache:
    """Verified status lists by (issuer, uri) until ``iat + ttl`` (or ``exp``) passes."""

    def __init__(self, source: StatusSource, algorithms: tuple[str, ...]) -> None:
        self.source = source
        self.algorithms = algorithms
        self._entries: dict[tuple[str, str], tuple[int, status_list.StatusList]] = {}
        self._lock = threading.Lock()

    def get(self, issuer: TrustedIssuer, uri: str, now: int) -> status_list.StatusList:
        """The list behind ``uri``; raises StatusUnavailable if it cannot be had or trusted."""
        key = (issuer.issuer, uri)
        with self._lock:
            cached = self._entries.get(key)
        if cached and now < cached[0]:
            return cached[1]
        token = self._verified(issuer, uri, now)
        expires = now + min(token.ttl if token.ttl is not None else DEFAULT_TTL, MAX_TTL)
        if token.exp is not None:
            expires = min(expires, token.exp)
        with self._lock:
            self._entries[key] = (expires, token.status_list)
        return token.status_list

    def _verified(self, issuer: TrustedIssuer, uri: str, now: int) -> status_list.StatusListToken:
        text = self.source.fetch(uri)
        # A bundle evaluates its lists as of the moment it was made (see verify.bundle).
        as_of = getattr(self.source, "as_of", None) or now
        try:
            header, _ = jws.unverified_parts(text)
            jwk = issuer.key(header.get("kid")) if isinstance(header.get("kid"), str) else None
            if jwk is None:
                raise StatusUnavailable("status list is not signed by the licence's issuer")
            return status_list.parse_status_list_jwt(
                text, _public_key(jwk), expected_uri=uri, now=as_of,
                algorithms=self.algorithms)
        except FormatError as exc:
            raise StatusUnavailable(f"status list does not verify ({exc.code})") from exc
        except ValueError as exc:
            raise StatusUnavailable("status list signer key is unusable") from exc


def _public_key(jwk: dict[str, Any]):
    return public_key_from_jwk(jwk)
