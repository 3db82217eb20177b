"""``GET /audit/checkpoint`` (a signed checkpoint of the current head, for anyone to
keep a copy; see ``audit.publishing``) and ``GET /audit/jwks`` (the keys checkpoints
are signed with)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from audit import publishing
from audit import trail as trails

bp = Blueprint("audit", __name__)

#: ``app.extensions`` member holding the app's ``publishing.Publisher``.
PUBLISHER = "onegate.audit.publisher"

#: Problem type answered when no checkpoint exists yet (slug -> status, title, text).
PROBLEM_TYPES = {"no-checkpoint": (404, "No checkpoint yet",
                                   "The audit trail has no signed checkpoint yet.")}


def _problem(status: int, title: str, detail: str | None, slug: str | None = None) -> Response:
    issuer = current_app.config["ONEGATE"]["ISSUER"]
    body = {"type": f"{issuer}/api/v1/problems/{slug}" if slug else "about:blank",
            "title": title, "status": status}
    if detail:
        body["detail"] = detail
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def publisher() -> publishing.Publisher:
    """The app's Publisher (made on first use over the app's sessions)."""
    found = current_app.extensions.get(PUBLISHER)
    if found is None:
        found = current_app.extensions.setdefault(
            PUBLISHER, publishing.Publisher(current_app.extensions["onegate.sessions"]))
    return found


@bp.get("/audit/checkpoint")
def latest_checkpoint() -> Response:
    found = publisher().current()
    if found is None:
        status, title, text = PROBLEM_TYPES["no-checkpoint"]
        return _problem(status, title, text, "no-checkpoint")
    issuer = current_app.config["ONEGATE"]["ISSUER"]
    response = jsonify(found.body(issuer + "/audit/jwks"))
    # Pollers revalidate every time (the head may have moved) and get 304 while it
    # has not: the ETag names exactly this JWS.
    response.headers["Cache-Control"] = "public, no-cache"
    response.set_etag(found.etag)
    return response.make_conditional(request)


@bp.get("/audit/jwks")
def checkpoint_keys() -> Response:
    with current_app.extensions["onegate.sessions"]() as session:
        signer = trails.of(session).signer
    response = jsonify(signer.jwks() if signer is not None else {"keys": []})
    response.mimetype = "application/jwk-set+json"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
