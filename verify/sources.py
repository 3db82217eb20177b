"""What the pipeline needs from the outside world, as small interfaces (fosite style).

- ``TrustSource``: which issuers we trust, their published keys, the licence types
  each may issue.
- ``StatusSource``: the Status List Token (``statuslist+jwt`` text) behind a uri.
- ``ReferenceResolver``: the credential text behind an online reference QR URL.

In-memory implementations live here (unit tests, the offline bundle builds its own
from the same dataclass); database and network ones live in ``verify.online`` and
``verify.bundle``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from verify.errors import ReferenceUnresolved, StatusUnavailable


@dataclass(frozen=True)
class TrustedIssuer:
    """One issuer of the trust list. ``jwks`` are its published keys (retired included,
    revoked absent); ``licence_types`` the type codes it may issue; ``type_names`` their
    Chinese names and ``claim_titles`` (type code -> claim -> title) the Chinese titles
    of each type's claims, from its JSON Schema."""

    issuer: str
    code: str
    name: str
    jwks: tuple[dict[str, Any], ...]
    licence_types: frozenset[str]
    uscc: str | None = None
    type_names: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)
    claim_titles: Mapping[str, Mapping[str, str]] = field(default_factory=dict, hash=False,
                                                          compare=False)

    def key(self, kid: str) -> dict[str, Any] | None:
        return next((jwk for jwk in self.jwks if jwk.get("kid") == kid), None)

    def to_json(self) -> dict[str, Any]:
        return {"issuer": self.issuer, "code": self.code, "name": self.name,
                "uscc": self.uscc, "jwks": {"keys": list(self.jwks)},
                "licence_types": sorted(self.licence_types),
                "type_names": dict(self.type_names),
                "claim_titles": {k: dict(v) for k, v in self.claim_titles.items()}}

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> TrustedIssuer:
        """Raises KeyError, TypeError or ValueError on a malformed entry."""
        keys = item["jwks"]["keys"]
        if not isinstance(keys, list) or not all(isinstance(k, dict) for k in keys):
            raise ValueError("jwks.keys must be a list of objects")
        types = item["licence_types"]
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            raise ValueError("licence_types must be a list of strings")
        titles = item.get("claim_titles") or {}
        if not isinstance(titles, dict) or not all(
                isinstance(v, dict) and all(isinstance(t, str) for t in v.values())
                for v in titles.values()):
            raise ValueError("claim_titles must map type codes to {claim: title}")
        return cls(issuer=str(item["issuer"]), code=str(item["code"]), name=str(item["name"]),
                   jwks=tuple(keys), licence_types=frozenset(types), uscc=item.get("uscc"),
                   type_names=dict(item.get("type_names") or {}),
                   claim_titles={str(k): dict(v) for k, v in titles.items()})


class TrustSource(Protocol):
    def issuer(self, iss: str) -> TrustedIssuer | None:
        """The trusted issuer named ``iss``, or None."""

    def issuers(self) -> list[TrustedIssuer]:
        """Every trusted issuer (for publishing)."""


class StatusSource(Protocol):
    """A source may set ``live = True`` when it reads the authoritative state itself
    (our own database): the pipeline then asks it on every verification instead of
    reusing a list for its ttl (see verify.status_cache)."""

    def fetch(self, uri: str) -> str:
        """The Status List Token text at ``uri``; raises StatusUnavailable."""


class ReferenceResolver(Protocol):
    """``origin`` (optional attribute): the scheme://host[:port] whose reference URLs this
    resolver answers for; URLs on any other origin are refused by the pipeline."""

    def resolve(self, identifier: str, token: str) -> str:
        """The SD-JWT VC of the referenced licence; raises ReferenceUnresolved."""


@dataclass
class InMemoryTrustSource:
    """A fixed list of issuers."""

    entries: Iterable[TrustedIssuer] = ()
    _by_iss: dict[str, TrustedIssuer] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_iss = {entry.issuer: entry for entry in self.entries}

    def issuer(self, iss: str) -> TrustedIssuer | None:
        return self._by_iss.get(iss) if isinstance(iss, str) else None

    def issuers(self) -> list[TrustedIssuer]:
        return list(self._by_iss.values())

    def refresh(self) -> None:
        """Nothing to reload: the list is fixed."""


@dataclass
class InMemoryStatusSource:
    """uri -> token text; counts fetches so tests can see the ttl cache work
    (``live=True`` makes it behave as the in-process database source)."""

    tokens: dict[str, str] = field(default_factory=dict)
    fetches: int = 0
    live: bool = False
    #: uri -> public reason code -> the indexes with it (what the offline bundle carries).
    reasons: dict[str, dict[str, list[int]]] = field(default_factory=dict)

    def fetch(self, uri: str) -> str:
        self.fetches += 1
        try:
            return self.tokens[uri]
        except KeyError:
            raise StatusUnavailable(f"no status list at {uri}") from None

    def all_tokens(self) -> dict[str, str]:
        return dict(self.tokens)

    def public_reasons(self, tokens: dict[str, str]) -> dict[str, dict[str, list[int]]]:
        return {uri: dict(codes) for uri, codes in self.reasons.items() if uri in tokens}


class NoReferences:
    """Offline: an online reference QR cannot be resolved without the network."""

    def resolve(self, identifier: str, token: str) -> str:
        raise ReferenceUnresolved("an online reference QR needs the network; "
                                  "verify the printed offline QR instead")


@dataclass
class InMemoryReferences:
    """(identifier, token) -> credential text."""

    entries: dict[tuple[str, str], str] = field(default_factory=dict)
    origin: str | None = None

    def resolve(self, identifier: str, token: str) -> str:
        try:
            return self.entries[(identifier, token)]
        except KeyError:
            raise ReferenceUnresolved("unknown licence reference") from None
