"""Status lists for the pipeline's status step, through a StatusSource.

Two kinds of source:

- A *live* source that reads our own authoritative state in process
  (``verify.online.LocalStatusSource``) offers ``status_bits(uri)``: the decoded bits
  and the issuer URL of the department that owns the list. Nothing is signed or
  verified: the source is the issuer itself. The source does the freshness check (one
  primary-key read of the list's version per verification), so a revocation is seen
  at once and every worker agrees (issue 4); the bits live in the one status-list
  cache, ``credentials.status.SignedListCache``. Nothing is cached here.
- Any other source gives Status List Token text (``fetch``), verified with the
  credential issuer's own published keys: a list signed by anyone else says nothing
  about that issuer's licences. A source over the network, or a bundle, is an outside
  consumer: its lists are reused until ``iat + ttl`` (or ``exp``) passes, as the
  status-list draft lets relying parties do (a bounded LRU). A live token source
  without ``status_bits`` (tests) is verified on every call.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from credentials.formats import jws, status_list
from credentials.formats.errors import FormatError
from keys.jwk import public_key_from_jwk
from verify.errors import StatusUnavailable
from verify.sources import StatusSource, TrustedIssuer

DEFAULT_TTL = 300
MAX_TTL = 86400
CAPACITY = 1024


class StatusCache:
    """Status lists by (issuer, uri): asked of a live source every time; for outside
    sources verified once and reused until ``iat + ttl`` (or ``exp``) passes."""

    def __init__(self, source: StatusSource, algorithms: tuple[str, ...],
                 capacity: int = CAPACITY) -> None:
        self.source = source
        self.algorithms = algorithms
        self.live = bool(getattr(source, "live", False))
        self._bits = getattr(source, "status_bits", None) if self.live else None
        self._entries: OrderedDict[tuple[str, str], tuple[int, status_list.StatusList]] = \
            OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, issuer: TrustedIssuer, uri: str, now: int) -> status_list.StatusList:
        """The list behind ``uri``; raises StatusUnavailable if it cannot be had or trusted."""
        if self._bits is not None:
            owner, bits = self._bits(uri)
            if owner != issuer.issuer:
                raise StatusUnavailable("status list is not signed by the licence's issuer")
            return bits
        if self.live:
            return self._verified(issuer, uri, self.source.fetch(uri), now).status_list
        key = (issuer.issuer, uri)
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
            self._entries.move_to_end(key)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)
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
                text, public_key_from_jwk(jwk), expected_uri=uri, now=as_of,
                algorithms=self.algorithms)
        except FormatError as exc:
            raise StatusUnavailable(f"status list does not verify ({exc.code})") from exc
        except ValueError as exc:
            raise StatusUnavailable("status list signer key is unusable") from exc
