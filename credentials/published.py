"""The issuers' published documents: status lists, JWT VC issuer metadata and JWKS.

Each is an ``edge.published`` document (bytes built once, strong ETag), served by the
views in credentials.public and, before Flask's dispatch, by admin.published. Their
version stamps are cheap and checked at most every ``CHECK_EVERY`` seconds per worker:

- a department's keys: ``KeyRing.stamp`` (one small query). Keys are published before
  they sign (``ONEGATE_KEY_PREPUBLISH``), so the lag never hides a signing key; a
  revoked key leaves these documents within ``CHECK_EVERY`` seconds in every worker,
  and at once in the worker that revoked it (``KeyRing.subscribe``).
- a status list: its ``version`` (bumped in the transaction of every status change)
  and its department's key stamp. A change committed in this worker rebuilds the list
  at once (``status.on_committed``); other workers show it within ``CHECK_EVERY``
  seconds, well inside the token's ``ttl`` (300 s) that outside consumers cache for.
  The token is signed when the list changes, when the signing key changes, and at
  least every ``TOKEN_LIFETIME / 4`` (never per request).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import keys
from credentials import catalogue, layout, status
from credentials.errors import IssuerUnavailable, NotFound
from credentials.models import StatusListRow
from edge.published import PublishedDocument, PublishedFamily, json_body
from edge.unit_of_work import UnitOfWork

STATUS_MEDIA_TYPE = "application/statuslist+jwt"
#: Seconds between two version checks of one document in one worker.
CHECK_EVERY = 2.0
#: Public issuer documents' Cache-Control max-age.
MAX_AGE = 300
#: Regular expressions of the path members (admin.published matches paths with them).
CODE = r"[0-9A-Za-z_.-]{1,64}"
LIST_ID = r"[0-9A-Za-z_-]{1,32}"


class IssuerDocuments:
    """The departments' published documents, each family bounded (LRU).

    Members are named by what the path carries: a department code, or
    ``"<code>/<list id>"`` for a status list. Building one raises NotFound (no such
    department or list, also a list of another department), IssuerUnavailable (the
    department has no active key) or SQLAlchemyError (database unreachable).
    """

    def __init__(self, unit_of_work: UnitOfWork, sessions: sessionmaker[Session],
                 keyring: Any, issuer: str, cache: status.SignedListCache,
                 limit: int = 256) -> None:
        self._uow, self._keyring, self._issuer, self._cache = unit_of_work, keyring, issuer, cache
        self.status_lists = PublishedFamily(self._status_list, limit=limit)
        self.vc_issuer = PublishedFamily(self._vc_issuer, limit=limit)
        self.jwks = PublishedFamily(self._jwks, limit=limit)
        keyring.subscribe(self._keys_changed)
        status.on_committed(sessions, self._lists_changed)

    def _keys_changed(self, _owner: str) -> None:
        for family in (self.status_lists, self.vc_issuer, self.jwks):
            family.invalidate_all()

    def _lists_changed(self, list_ids: Iterable[str]) -> None:
        changed = {"/" + list_id for list_id in list_ids}
        self.status_lists.invalidate_where(lambda name: name[name.find("/"):] in changed)

    def _read(self, work: Callable[[Session], Any]) -> Any:
        # Joins the request's unit of work inside a view; its own short one otherwise.
        with self._uow.scope():
            return work(self._uow.session())

    def _key_stamp(self, code: str) -> Callable[[], tuple]:
        """Raises NotFound for a code no department can have (keys refuse its owner)."""
        try:
            owner = keys.department(code)
        except ValueError as exc:
            raise NotFound(f"no department {code!r}") from exc
        return lambda: self._keyring.stamp(owner)

    def _jwks(self, code: str) -> PublishedDocument:
        def build() -> bytes:
            self._read(lambda session: catalogue.get_department(session, code))
            return json_body(self._keyring.jwks(keys.department(code)))

        return PublishedDocument(build, media_type="application/json", max_age=MAX_AGE,
                                 version=self._key_stamp(code), check_every=CHECK_EVERY)

    def _vc_issuer(self, code: str) -> PublishedDocument:
        """SD-JWT VC draft, "JWT VC Issuer Metadata": ``issuer`` MUST equal the ``iss``
        of the credentials; ``jwks`` by value, retired keys included (they still verify)."""
        def build() -> bytes:
            self._read(lambda session: catalogue.get_department(session, code))
            return json_body({"issuer": layout.issuer_url(self._issuer, code),
                              "jwks": self._keyring.jwks(keys.department(code))})

        return PublishedDocument(build, media_type="application/json", max_age=MAX_AGE,
                                 version=self._key_stamp(code), check_every=CHECK_EVERY)

    def _status_list(self, name: str) -> PublishedDocument:
        code, _, list_id = name.partition("/")
        key_stamp = self._key_stamp(code)

        def version() -> tuple | None:
            found = self._read(lambda session: session.execute(
                select(StatusListRow.version, StatusListRow.department_code)
                .where(StatusListRow.id == list_id)).first())
            if found is None or found[1] != code:
                return None  # no such list here: the build says so
            return found[0], key_stamp()

        def build() -> bytes:
            return self._read(lambda session: self._sign(session, code, list_id))

        return PublishedDocument(build, media_type=STATUS_MEDIA_TYPE, max_age=status.TTL_SECONDS,
                                 version=version, check_every=CHECK_EVERY,
                                 rebuild_every=status.TOKEN_LIFETIME / 4)

    def _sign(self, session: Session, code: str, list_id: str) -> bytes:
        row = session.get(StatusListRow, list_id) if status.is_list_id(list_id) else None
        if row is None or row.department_code != code:
            raise NotFound("no such status list")
        try:
            signed = status.signed_list(session, self._keyring, self._issuer, row, self._cache)
        except keys.NoActiveKey as exc:
            raise IssuerUnavailable("the department has no active key") from exc
        return signed.token.encode("ascii")
