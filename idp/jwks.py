"""The provider's JSON Web Key Set: next, active and retired keys, never private parts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

PROVIDER = "provider"


def blueprint(keyring: Any) -> Blueprint:
    """The ``idp_jwks`` blueprint serving ``keyring``'s provider keys at /jwks."""
    bp = Blueprint("idp_jwks", __name__)

    @bp.get("/jwks")
    def jwks():
        response = jsonify(keyring.jwks(PROVIDER))
        response.mimetype = "application/jwk-set+json"
        # Short cache: relying parties pick up pre-published keys well before they sign.
        response.headers["Cache-Control"] = "public, max-age=300"
        return response

    return bp
