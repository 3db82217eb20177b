"""The provider's JSON Web Key Set: next, active and retired keys, never private parts.

Published bytes (edge.published): built when the provider's keys change, not per
request. The version stamp (``KeyRing.stamp``, one small query) is checked at most
every ``CHECK_EVERY`` seconds per worker, and the worker whose key ring made a change
rebuilds at once. Keys are published ``ONEGATE_KEY_PREPUBLISH`` before they sign, so
the lag never hides a signing key; a revoked key leaves the set within ``CHECK_EVERY``
seconds in every worker. admin.published answers the same GET before Flask's dispatch.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from edge.published import PublishedDocument, json_body

PROVIDER = "provider"
MEDIA_TYPE = "application/jwk-set+json"
CHECK_EVERY = 2.0
#: Short cache: relying parties pick up pre-published keys well before they sign.
MAX_AGE = 300


def document(keyring: Any) -> PublishedDocument:
    """The provider's JWKS over ``keyring`` (build raises what ``KeyRing.jwks`` raises:
    store errors)."""
    published = PublishedDocument(lambda: json_body(keyring.jwks(PROVIDER)),
                                  media_type=MEDIA_TYPE, max_age=MAX_AGE,
                                  version=lambda: keyring.stamp(PROVIDER),
                                  check_every=CHECK_EVERY)

    def changed(owner: str) -> None:
        if owner == PROVIDER:
            published.invalidate()

    keyring.subscribe(changed)
    return published


def blueprint(published: PublishedDocument) -> Blueprint:
    """The ``idp_jwks`` blueprint serving the provider's keys (``document``) at /jwks."""
    bp = Blueprint("idp_jwks", __name__)

    @bp.get("/jwks")
    def jwks():
        code, body, headers = published.snapshot().answer(request.headers.get("If-None-Match"))
        return Response(body, status=code, headers=headers)

    return bp
