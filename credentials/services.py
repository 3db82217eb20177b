"""What the credentials package needs from the running service, declared here and
supplied by the composition root (``admin.services.credentials_services``), fosite-style.

Nothing in this package looks a dependency up in Flask's application globals or
extension registry: views, CLI commands and the problem handlers receive this object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from credentials.batch_signing import BatchSigning
from credentials.issuance import Deps
from credentials.issuer_cache import IssuerCache
from credentials.models import utcnow
from credentials.openapi import Fragments
from credentials.problems import ProblemTypes
from credentials.published import IssuerDocuments
from credentials.published_catalogue import CatalogueDocuments
from credentials.qr import ReferenceImageCache
from credentials.references import ReferenceKeys
from credentials.slot_reserve import SlotReserve
from credentials.status import SignedListCache
from edge.access_tokens import AccessTokenValidator
from edge.unit_of_work import UnitOfWork
from keys import KeyRing

#: ``client_exists(session, client_id)``: whether the provider has registered the OAuth
#: client (credentials cannot import idp; the composition root supplies it).
ClientExists = Callable[[Session, str], bool]
#: ``licence_uses(session, identifier, limit)``: the recorded uses of a licence, newest
#: first, as JSON objects (verify owns them; credentials cannot import verify, so the
#: composition root supplies ``verify.uses.for_licence``).
LicenceUses = Callable[[Session, str, int], list[dict]]


def no_uses(_session: Session, _identifier: str, _limit: int) -> list[dict]:
    """The ``licence_uses`` of a service without verify: none recorded."""
    return []


@dataclass(frozen=True, eq=False)
class CredentialsServices:
    """Everything credentials' views, CLI commands and issuance read.

    ``unit_of_work`` gives each request or command its one transaction. ``sessions``
    is for the work that deliberately commits on its own, each use documented where
    it happens: batch issuance and bulk import commit per chunk (per-item outcomes, no
    half-written licence), the offline QR image cache row, the CLI's key creation.
    """

    unit_of_work: UnitOfWork
    sessions: sessionmaker[Session]
    keyring: KeyRing
    #: The service URL (ONEGATE_ISSUER): issuers, ``vct`` and status URIs start with it.
    issuer: str
    #: Reference-token keys: from the KEK, plus the pre-0.2 SECRET_KEY-derived one.
    references: ReferenceKeys
    access_tokens: AccessTokenValidator
    client_exists: ClientExists
    problem_types: ProblemTypes
    openapi_fragments: Fragments
    #: Status lists, issuer metadata and JWKS as published bytes (over ``status_cache``).
    published: IssuerDocuments
    #: Rendered reference QR images (never stored: they carry the secret token).
    reference_images: ReferenceImageCache = field(default_factory=ReferenceImageCache)
    #: Signed status lists by (list, version, kid): the one given to ``published``.
    status_cache: SignedListCache = field(default_factory=SignedListCache)
    clock: Callable[[], datetime] = utcnow
    #: Departments, licence types and signers for issuance (bounded staleness: see
    #: credentials.issuer_cache).
    issuer_cache: IssuerCache = None  # type: ignore[assignment]
    #: The public catalogue (GET /api/v1/types) as published documents.
    catalogue_documents: CatalogueDocuments = None  # type: ignore[assignment]
    licence_uses: LicenceUses = no_uses
    #: Status slots reserved ahead for single issues (STATUS_SLOT_RESERVE, PostgreSQL
    #: only); None allocates every slot in the issuing transaction.
    slot_reserve: SlotReserve | None = None
    #: Signing processes lent to large API batches (BATCH_SIGNING_WORKERS); None signs
    #: every batch in the request's process.
    batch_signing: BatchSigning | None = None

    def __post_init__(self) -> None:
        if self.issuer_cache is None:
            object.__setattr__(self, "issuer_cache", IssuerCache(self.keyring))
        if self.catalogue_documents is None:
            object.__setattr__(self, "catalogue_documents",
                               CatalogueDocuments(self.unit_of_work, self.issuer))

    def catalogue_changed(self, type_code: str) -> None:
        """After a committed change to ``type_code`` (credentials.type_lifecycle): this
        process issues under it and publishes it as it now stands."""
        self.issuer_cache.forget_type(type_code)
        self.catalogue_documents.changed()

    @property
    def deps(self) -> Deps:
        """What issuance (credentials.issuance, bulk_import, lifecycle) takes."""
        return Deps(sessions=self.sessions, keyring=self.keyring, issuer=self.issuer,
                    references=self.references, clock=self.clock, cache=self.issuer_cache,
                    slot_reserve=self.slot_reserve)
