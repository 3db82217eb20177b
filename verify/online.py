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
from credentials import layout, references, status, status_stamps
from credentials.formats.status_list import StatusList
from credentials.models import Department, Licence, LicenceType, LicenceTypeVersion
from verify.errors import ReferenceUnresolved, StatusUnavailable
from verify.sources import TrustedIssuer

#: Lists whose uri and issuer URL ``LocalStatusSource`` keeps formatted.
MAX_URIS = 4096


def load_issuers(session: Session, keyring: Any, base: str) -> list[TrustedIssuer]:
    """Every department with the licence types whose licences from it are genuine, and
    its JWKS (next, active and retired keys; revoked ones are never published).

    A department's types are those it may issue now and those it could issue once
    (``former_departments``): a department disallowed later did issue its earlier
    licences legitimately, and they verify until revoked. Retired types stay too."""
    types = list(session.scalars(select(LicenceType)))
    titles = _titles_of_every_version(session)
    result = []
    for dept in session.scalars(select(Department).order_by(Department.code)):
        allowed = [t for t in types
                   if dept.code in [*(t.departments or []), *(t.former_departments or [])]]
        result.append(TrustedIssuer(
            issuer=layout.issuer_url(base, dept.code), code=dept.code, name=dept.name,
            jwks=tuple(keyring.jwks(keys.department(dept.code))["keys"]),
            licence_types=frozenset(t.code for t in allowed), uscc=dept.uscc,
            type_names={t.code: t.name_zh for t in allowed},
            claim_titles={t.code: titles.get(t.code) or schema_titles(t.json_schema)
                          for t in allowed}))
    return result


def _titles_of_every_version(session: Session) -> dict[str, dict[str, str]]:
    """type code -> claim -> title over all its versions, the newer title winning: a
    licence issued under an older version shows the titles of claims since removed."""
    titles: dict[str, dict[str, str]] = {}
    for code, schema in session.execute(
            select(LicenceTypeVersion.type_code, LicenceTypeVersion.json_schema)
            .order_by(LicenceTypeVersion.type_code, LicenceTypeVersion.version)):
        titles.setdefault(code, {}).update(schema_titles(schema))
    return titles


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
    """The status of our own departments' licences, read in process (no HTTP to
    ourselves: a sync worker calling its own endpoint would deadlock).

    ``live``: this is the authoritative state. ``status_bits`` hands the verifier the
    decoded list through ``credentials.status_stamps.fresh_state``: with ``stamps``
    (Redis), one GET of the list's version stamp per verification, the database read
    only when the stamp moved, is absent or Redis fails; without, one primary-key read
    of the list's ``version``. Either way a revocation committed by any worker is seen
    by every worker once the revoking request has answered (see StatusStamps for the
    bound when Redis loses a stamp). The bits are rebuilt only when the version moved,
    held in the one bounded status-list cache. Nothing is signed to be verified again
    by its own signer. ``fetch`` (signed tokens) serves the offline bundle."""

    live = True

    def __init__(self, session: Callable[[], Session], keyring: Any, base: str,
                 key_ttl: float = 10.0, clock: Callable[[], float] = time.monotonic,
                 cache: status.SignedListCache | None = None,
                 stamps: status_stamps.StatusStamps | None = None) -> None:
        # key_ttl and clock are accepted for the callers that pass them; unused now.
        self._session, self._keyring, self._base = session, keyring, base
        self._cache = cache if cache is not None else status.SignedListCache()
        self._stamps = stamps
        self._uris: dict[tuple[str, str], tuple[str, str]] = {}
        self._reasons: tuple[int, dict[str, dict[str, list[int]]]] | None = None

    def _list_id(self, uri: str) -> str:
        return uri.rsplit("/", 1)[-1] if isinstance(uri, str) else ""

    def status_bits(self, uri: str) -> tuple[str, StatusList]:
        """(issuer URL of the list's department, its decoded bits) for ``uri``.

        Raises StatusUnavailable for a uri that is not one of our lists."""
        row_id = self._list_id(uri)
        state = status_stamps.fresh_state(self._session, row_id, self._cache, self._stamps)
        if state is None:
            raise StatusUnavailable(f"no status list at {uri}")
        list_uri, issuer = self._urls(state.department_code, state.list_id)
        if list_uri != uri:
            raise StatusUnavailable(f"no status list at {uri}")
        return issuer, state.bits

    def _urls(self, department_code: str, list_id: str) -> tuple[str, str]:
        """(the list's uri, its department's issuer URL), kept per list (bounded)."""
        key = (department_code, list_id)
        found = self._uris.get(key)
        if found is None:
            found = (layout.status_uri(self._base, department_code, list_id),
                     layout.issuer_url(self._base, department_code))
            if len(self._uris) >= MAX_URIS:
                self._uris.clear()
            self._uris[key] = found
        return found

    def fetch(self, uri: str) -> str:
        """The signed Status List Token at ``uri``; raises StatusUnavailable."""
        row_id = self._list_id(uri)
        try:
            signed = status.signed_token(self._session(), self._keyring, self._base, row_id,
                                         self._cache)
        except keys.KeysError as exc:
            raise StatusUnavailable("the department cannot sign its status list") from exc
        if signed is None or signed.uri != uri:
            raise StatusUnavailable(f"no status list at {uri}")
        return signed.token

    def all_tokens(self) -> dict[str, str]:
        """uri -> token for every list that can be signed (the offline bundle carries them
        all). A department left without an active key (all revoked) cannot sign its lists:
        they are left out - its licences then fail offline at the status step - rather
        than failing the bundle of every other department."""
        rows = status.list_ids(self._session())
        tokens = {}
        for list_id, department_code in rows:
            uri = layout.status_uri(self._base, department_code, list_id)
            try:
                tokens[uri] = self.fetch(uri)
            except StatusUnavailable:
                continue
        return tokens


    def public_reasons(self, tokens: dict[str, str]) -> dict[str, dict[str, list[int]]]:
        """uri -> public reason code -> the indexes of the revoked or suspended licences
        given that reason (never the internal reason, nor the note: the offline bundle
        carries this), for the lists ``tokens`` (``all_tokens``). Read again only when
        a list changed (every change of a public reason changes its licence's bits)."""
        key = hash(tuple(sorted(tokens.items())))
        cached = self._reasons
        if cached is not None and cached[0] == key:
            return cached[1]
        found: dict[str, dict[str, list[int]]] = {}
        rows = self._session().execute(
            select(Licence.department_code, Licence.status_list_id, Licence.status_idx,
                   Licence.public_reason)
            .where(Licence.state.in_(("revoked", "suspended")),
                   Licence.public_reason.is_not(None))
            .order_by(Licence.status_list_id, Licence.status_idx))
        for department_code, list_id, idx, code in rows:
            uri, _ = self._urls(department_code, list_id)
            if uri in tokens:
                found.setdefault(uri, {}).setdefault(code, []).append(idx)
        self._reasons = (key, found)
        return found


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
