"""``GET /audit/checkpoint`` (the latest signed checkpoint, for anyone to keep a copy)
and ``GET /audit/jwks`` (the keys checkpoints are signed with)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from audit import checkpoint as cp
from audit import checkpoints
from audit import trail as trails

bp = Blueprint("audit", __name__)

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


@bp.get("/audit/checkpoint")
def latest_checkpoint() -> Response:
    with current_app.extensions["onegate.sessions"]() as session:
        row = checkpoints.latest(session)
    if row is None:
        status, title, text = PROBLEM_TYPES["no-checkpoint"]
        return _problem(status, title, text, "no-checkpoint")
    issuer = current_app.config["ONEGATE"]["ISSUER"]
    found = cp.Checkpoint(seq=row.seq, hash=row.hash, at=row.at, token=row.token)
    response = jsonify(cp.published(found, row.kid, issuer + "/audit/jwks"))
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/audit/jwks")
def checkpoint_keys() -> Response:
    with current_app.extensions["onegate.sessions"]() as session:
        signer = trails.of(session).signer
    response = jsonify(signer.jwks() if signer is not None else {"keys": []})
    response.mimetype = "application/jwk-set+json"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
