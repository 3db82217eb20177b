"""Status List Tokens fetched through a StatusSource, verified, and cached.

The list is verified with the credential issuer's own published keys: a list
signed by anyone else says nothing about that issuer's licences.

How long a list is reused depends on where it comes from:

- A source that fetches over the network, or a bundle, is an outside consumer:
  its lists are reused until ``iat + ttl`` (or ``exp``) passes, as the status-list
  draft lets relying parties do.
- A *live* source (``live = True``: ``verify.online.LocalStatusSource``, which reads
  our own database) is asked on every verification, so a revocation or suspension
  is seen at once and every worker agrees (issue 4: "a change is visible in a freshly
  fetched list at once"). The source keeps its own version-keyed cache of signed
  lists, so asking it costs one small query; only the signature check and the
  decompression are saved here, keyed by the exact token text.
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
    """Verified status lists by (issuer, uri): until ``iat + ttl`` (or ``exp``) passes
    for outside sources, for as long as the token text is unchanged for live ones."""

    def __init__(self, source: StatusSource, algorithms: tuple[str, ...]) -> None:
        self.source = source
        self.algorithms = algorithms
        self.live = bool(getattr(source, "live", False))
        self._entries: dict[tuple[str, str], tuple[int, status_list.StatusList]] = {}
        self._verified_texts: dict[tuple[str, str],
                                   tuple[str, int, str, status_list.StatusList]] = {}
        self._lock = threading.Lock()

    def get(self, issuer: TrustedIssuer, uri: str, now: int) -> status_list.StatusList:
        """The list behind ``uri``; raises StatusUnavailable if it cannot be had or trusted."""
        key = (issuer.issuer, uri)
        if self.live:
            return self._live(issuer, uri, now)
        with self._lock:
            cached = self._entries.get(key)
        if cached and now < cached[0]:
            return cached[1]
        token = self._verified(issuer, uri, self.source.fetch(uri), now)
        expires = now + min(token.ttl if token.ttl is not None else DEFAULT_TTL, MAX_TTL)
        if token.exp is not None:
            expires = min(expires, token.exp)
        with self._lock:
            self._entries[key] = (expires, token.status_list)
        return token.status_list

    def _live(self, issuer: TrustedIssuer, uri: str, now: int) -> status_list.StatusList:
        """Fetched every time; the verified list is reused while the text is the same
        (same text, same signature, same bits) and the token has not expired."""
        key = (issuer.issuer, uri)
        text = self.source.fetch(uri)
        with self._lock:
            cached = self._verified_texts.get(key)
        if cached and cached[0] == text and now < cached[1] and issuer.key(cached[2]):
            return cached[3]  # the signing key is still published: the check still holds
        token = self._verified(issuer, uri, text, now)
        expires = token.exp if token.exp is not None else now + MAX_TTL
        kid = jws.unverified_parts(text)[0]["kid"]
        with self._lock:
            self._verified_texts[key] = (text, expires, kid, token.status_list)
        return token.status_list

    def _verified(self, issuer: TrustedIssuer, uri: str, text: str,
                  now: int) -> status_list.StatusListToken:
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
