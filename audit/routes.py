"""``GET /audit/checkpoint`` (a signed checkpoint of the current head, for anyone to
keep a copy; see ``audit.publishing``) and ``GET /audit/jwks`` (the keys checkpoints
are signed with)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from audit.services import AuditServices

#: Problem type answered when no checkpoint exists yet (slug -> status, title, text).
PROBLEM_TYPES = {"no-checkpoint": (404, "No checkpoint yet",
                                   "The audit trail has no signed checkpoint yet.")}


def blueprint(services: AuditServices) -> Blueprint:
    """The ``audit`` blueprint over one app's audit services (endpoints
    ``audit.latest_checkpoint`` and ``audit.checkpoint_keys``)."""
    bp = Blueprint("audit", __name__)

    @bp.get("/audit/checkpoint")
    def latest_checkpoint() -> Response:
        # The publisher reads and stores in transactions of its own, not in the
        # request's unit of work: a checkpoint it signed is kept (and reused by the
        # other requests of its window) whatever this request does afterwards.
        found = services.publisher.current()
        if found is None:
            status, title, text = PROBLEM_TYPES["no-checkpoint"]
            return _problem(services.issuer, status, title, text, "no-checkpoint")
        response = jsonify(found.body(services.jwks_uri))
        # Pollers revalidate every time (the head may have moved) and get 304 while it
        # has not: the ETag names exactly this JWS.
        response.headers["Cache-Control"] = "public, no-cache"
        response.set_etag(found.etag)
        return response.make_conditional(request)

    @bp.get("/audit/jwks")
    def checkpoint_keys() -> Response:
        signer = services.trail.signer
        response = jsonify(signer.jwks() if signer is not None else {"keys": []})
        response.mimetype = "application/jwk-set+json"
        response.headers["Cache-Control"] = "public, max-age=300"
        return response

    return bp


def _problem(issuer: str, status: int, title: str, detail: str | None,
             slug: str | None = None) -> Response:
    body = {"type": f"{issuer}/api/v1/problems/{slug}" if slug else "about:blank",
            "title": title, "status": status}
    if detail:
        body["detail"] = detail
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response
