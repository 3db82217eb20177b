"""The published trust list (``/api/v1/trust-list``): the signed token and its JSON
claims as ``edge.published`` documents, served by verify.api and, before Flask's
dispatch, by admin.published.

Version stamp, checked at most every ``CHECK_EVERY`` seconds per worker: the issuers as
the trust source sees them (its snapshot is reused for ``ONEGATE_VERIFY_TRUST_TTL``
seconds, 10 by default, as before) and the provider's key stamp. A department added, a
type allowed, a key rotated or revoked elsewhere shows within the trust TTL plus
``CHECK_EVERY`` seconds, and at once in the worker whose key ring made the change.
Neither form is signed per request: the token is signed when the stamp changes and
at least every ``REBUILD_EVERY`` seconds (its ``iat`` moves; ``exp`` is a day after).
"""

from __future__ import annotations

import json
import time
from typing import Any

from edge.published import PublishedDocument, json_body
from edge.unit_of_work import UnitOfWork
from verify import trust_list
from verify.online import CatalogueTrustSource

CHECK_EVERY = 2.0
REBUILD_EVERY = 3600
MAX_AGE = 60
MEDIA_TYPE = "application/trustlist+jwt"


class TrustListDocuments:
    """``token``: the signed trust list; ``claims``: the same claims as JSON. Building
    raises keys.NoActiveKey (the provider cannot sign) or SQLAlchemyError."""

    def __init__(self, unit_of_work: UnitOfWork, trust: CatalogueTrustSource, keyring: Any,
                 base: str) -> None:
        self._uow, self._trust, self._keyring, self._base = unit_of_work, trust, keyring, base
        self.token = PublishedDocument(self._token, media_type=MEDIA_TYPE, max_age=MAX_AGE,
                                       version=self._stamp, check_every=CHECK_EVERY,
                                       rebuild_every=REBUILD_EVERY)
        self.claims = PublishedDocument(self._claims, media_type="application/json",
                                        max_age=MAX_AGE, version=self._stamp,
                                        check_every=CHECK_EVERY, rebuild_every=REBUILD_EVERY)
        keyring.subscribe(self._keys_changed)

    def _keys_changed(self, _owner: str) -> None:
        self._trust.refresh()
        self.token.invalidate()
        self.claims.invalidate()

    def _document(self) -> dict[str, Any]:
        with self._uow.scope():  # joins the request's inside a view
            issuers = self._trust.issuers()
        return trust_list.document(issuers, base=self._base, now=int(time.time()))

    def _stamp(self) -> tuple[str, tuple]:
        with self._uow.scope():
            issuers = [issuer.to_json() for issuer in self._trust.issuers()]
        return (json.dumps(issuers, sort_keys=True),
                self._keyring.stamp(trust_list.SIGNING_OWNER))

    def _token(self) -> bytes:
        return trust_list.sign(self._keyring, self._document()).encode("ascii")

    def _claims(self) -> bytes:
        return json_body(self._document())
