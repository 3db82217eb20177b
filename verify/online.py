"""The sources a running service verifies with: the credentials catalogue, the
department key rings, the status lists and the licence references, all in process.

Reading the catalogue per verification would cost several queries, so the trust
snapshot is kept for ``ttl`` seconds (ONEGATE_VERIFY_TRUST_TTL, default 10): a
newly revoked department key stops verifying here within that time.

Each source reads through ``session()``, the current unit of work's session (the
request's): a verification is one transaction, whatever it reads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import keys
from credentials import layout, references, status
from credentials.models import Department, LicenceType, StatusListRow
from verify.errors import ReferenceUnresolved, StatusUnavailable
from verify.sources import TrustedIssuer


def load_issuers(session: Session, keyring: Any, base: str) -> list[TrustedIssuer]:
    """Every department with the licence types the catalogue lets it issue, and its JWKS
    (next, active and retired keys; revoked ones are never published)."""
    types = list(session.scalars(select(LicenceType)))
    result = []
    for dept in session.scalars(select(Department).order_by(Department.code)):
        allowed = [t for t in types if dept.code in (t.departments or [])]
        result.append(TrustedIssuer(
            issuer=layout.issuer_url(base, dept.code), code=dept.code, name=dept.name,
            jwks=tuple(keyring.jwks(keys.department(dept.code))["keys"]),
            licence_types=frozenset(t.code for t in allowed), uscc=dept.uscc,
            type_names={t.code: t.name_zh for t in allowed},
            claim_titles={t.code: schema_titles(t.json_schema) for t in allowed}))
    return result


def schema_titles(schema: Any) -> dict[str, str]:
    """claim -> the ``title`` of its property in a type's JSON Schema (top level only)."""
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict):
        return {}
    return {name: prop["title"] for name, prop in properties.items()
            if isinstance(prop, dict) and isinstance(prop.get("title"), str) and prop["title"]}


class CatalogueTrustSource:
    """TrustSource over the credentials catalogue, snapshotted for ``ttl`` seconds."""

    def __init__(self, session: Callable[[], Session], keyring: Any, base: str,
                 ttl: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._session, self._keyring, self._base = session, keyring, base
        self._ttl, self._clock = ttl, clock
        self._snapshot: tuple[float, dict[str, TrustedIssuer]] | None = None
        self._lock = threading.Lock()

    def issuers(self) -> list[TrustedIssuer]:
        return list(self._current().values())

    def issuer(self, iss: str) -> TrustedIssuer | None:
        return self._current().get(iss) if isinstance(iss, str) else None

    def refresh(self) -> None:
        with self._lock:
            self._snapshot = None

    def _current(self) -> dict[str, TrustedIssuer]:
        with self._lock:
            snapshot = self._snapshot
            if snapshot is None or snapshot[0] <= self._clock():
                found = load_issuers(self._session(), self._keyring, self._base)
                snapshot = (self._clock() + self._ttl, {i.issuer: i for i in found})
                self._snapshot = snapshot
            return snapshot[1]


class LocalStatusSource:
    """Status List Tokens of our own departments, signed in process (no HTTP to ourselves:
    a sync worker calling its own endpoint would deadlock).

    ``live``: this is the authoritative state, so the verifier asks on every
    verification and a revocation shows at once in every worker (verify.status_cache).
    Each fetch is one primary-key read of the list's row: its ``version`` moves with
    every status change. The token signed for a version is reused for ``key_ttl``
    seconds without asking the key ring which key is active (that costs more than the
    read); a key rotation is thus picked up within the trust snapshot's time."""

    live = True

    def __init__(self, session: Callable[[], Session], keyring: Any, base: str,
                 key_ttl: float = 10.0, clock: Callable[[], float] = time.monotonic,
                 cache: status.SignedListCache | None = None) -> None:
        self._session, self._keyring, self._base = session, keyring, base
        self._cache = cache if cache is not None else status.SignedListCache()
        self._key_ttl, self._clock = key_ttl, clock
        self._recent: dict[str, tuple[int, float, str]] = {}  # row id -> (version, until, token)
        self._lock = threading.Lock()

    def fetch(self, uri: str) -> str:
        row_id = uri.rsplit("/", 1)[-1] if isinstance(uri, str) else ""
        session = self._session()
        row = session.get(StatusListRow, row_id) if row_id else None
        if row is None or layout.status_uri(self._base, row.department_code, row.id) != uri:
            raise StatusUnavailable(f"no status list at {uri}")
        with self._lock:
            recent = self._recent.get(row.id)
        if recent and recent[0] == row.version and self._clock() < recent[1]:
            return recent[2]
        try:
            token = status.signed_list(session, self._keyring, self._base, row,
                                       self._cache).token
        except keys.KeysError as exc:
            raise StatusUnavailable("the department cannot sign its status list") from exc
        with self._lock:
            self._recent[row.id] = (row.version, self._clock() + self._key_ttl, token)
        return token

    def all_tokens(self) -> dict[str, str]:
        """uri -> token for every list that can be signed (the offline bundle carries them
        all). A department left without an active key (all revoked) cannot sign its lists:
        they are left out - its licences then fail offline at the status step - rather
        than failing the bundle of every other department."""
        rows = list(self._session().scalars(select(StatusListRow).order_by(StatusListRow.id)))
        tokens = {}
        for row in rows:
            uri = layout.status_uri(self._base, row.department_code, row.id)
            try:
                tokens[uri] = self.fetch(uri)
            except StatusUnavailable:
                continue
        return tokens


class LicenceReferences:
    """ReferenceResolver over credentials.references. ``origin`` is the service's ISSUER:
    the pipeline refuses reference URLs on any other origin before resolving them."""

    def __init__(self, session: Callable[[], Session], origin: str | None = None) -> None:
        self._session = session
        self.origin = origin

    def resolve(self, identifier: str, token: str) -> str:
        licence = references.resolve_reference(self._session(), identifier, token)
        if licence is None:
            raise ReferenceUnresolved("unknown licence reference")
        return licence.sd_jwt
