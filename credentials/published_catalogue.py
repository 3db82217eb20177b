"""The public catalogue (``GET /api/v1/types`` and ``/api/v1/types/{code}``) as
published documents (edge.published): bytes built once, strong ETag, 304 on a
matching ``If-None-Match``, ``Cache-Control: public, max-age=300``.

The version stamp is the catalogue's (type count, latest ``updated_at``), one small
query checked at most every ``CHECK_EVERY`` seconds per worker; every change in
credentials.type_lifecycle bumps ``updated_at``, and the worker that made it
invalidates at once (``CatalogueDocuments.changed``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from credentials import catalogue, catalogue_json, type_lifecycle
from credentials.errors import NotFound
from credentials.models import LicenceType, LicenceTypeVersion
from edge.published import PublishedDocument, PublishedFamily, json_body
from edge.unit_of_work import UnitOfWork

CHECK_EVERY = 2.0
MAX_AGE = 300
TYPE_CODE = re.compile(r"[0-9A-Z]{18}[0-9]{3}\Z")


class CatalogueDocuments:
    """The list of types and each type's document. Building a type's raises NotFound
    for a code the catalogue does not have (or that no type can have)."""

    def __init__(self, unit_of_work: UnitOfWork, issuer: str, limit: int = 1024) -> None:
        self._uow, self._issuer = unit_of_work, issuer
        self.index = PublishedDocument(self._build_index, media_type="application/json",
                                       max_age=MAX_AGE, version=self._stamp,
                                       check_every=CHECK_EVERY)
        self.types = PublishedFamily(self._type_document, limit=limit)

    def changed(self) -> None:
        """This worker changed the catalogue: rebuild at the next request."""
        self.index.invalidate()
        self.types.invalidate_all()

    def _read(self, work: Callable[[Session], Any]) -> Any:
        with self._uow.scope():
            return work(self._uow.session())

    def _stamp(self) -> tuple:
        return tuple(self._read(lambda session: session.execute(
            select(func.count(LicenceType.code), func.max(LicenceType.updated_at))).one()))

    def _build_index(self) -> bytes:
        def build(session: Session) -> dict[str, Any]:
            numbers: dict[str, list[int]] = {}
            for code, version in session.execute(
                    select(LicenceTypeVersion.type_code, LicenceTypeVersion.version)
                    .order_by(LicenceTypeVersion.type_code, LicenceTypeVersion.version)):
                numbers.setdefault(code, []).append(version)
            return {"types": [catalogue_json.summary(self._issuer, row, numbers.get(row.code, []))
                              for row in catalogue.list_types(session)]}

        return json_body(self._read(build))

    def _type_document(self, code: str) -> PublishedDocument:
        def build() -> bytes:
            def read(session: Session) -> dict[str, Any]:
                row = type_lifecycle.get(session, code)
                return catalogue_json.detail(self._issuer, row,
                                             type_lifecycle.versions(session, code))
            return json_body(self._read(read))

        if not TYPE_CODE.match(code):
            raise NotFound("no such licence type", [])
        return PublishedDocument(build, media_type="application/json", max_age=MAX_AGE,
                                 version=self._stamp, check_every=CHECK_EVERY)
