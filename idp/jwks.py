"""The provider's JSON Web Key Set: next, active and retired keys, never private parts."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

bp = Blueprint("idp_jwks", __name__)

PROVIDER = "provider"


@bp.get("/jwks")
def jwks():
    keys = current_app.extensions["onegate.keyring"].jwks(PROVIDER)
    response = jsonify(keys)
    response.mimetype = "application/jwk-set+json"
    # Short cache: relying parties pick up pre-published keys well before they sign.
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
