"""The reference servers of `make bench`: the least a Flask app can do per request.

``GET /hello`` answers a fixed body; ``POST /verify`` checks one ES256 JWS with pyjwt
against a parsed key object (``{"credential": "<jws>"}``) and answers its payload, the
floor under ``POST /api/v1/verify``. ``GET /sample`` hands out a JWS to send. Served by
``admin.serve.run`` exactly as ``onegate serve`` serves onegate (same server, same
worker and thread counts), so the ratios compare applications, not servers.
"""

from __future__ import annotations

import json

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask, Response, jsonify, request

#: Claims of about the size of a licence's issuer-signed JWT.
SAMPLE_CLAIMS = {"iss": "http://127.0.0.1/issuers/gdamr", "vct": "business-licence",
                 "sub": "91440101MA59XJ7K2X", "iat": 1_700_000_000, "exp": 4_000_000_000,
                 "status": {"status_list": {"idx": 7, "uri": "http://127.0.0.1/status/1"}},
                 "_sd": [f"{i:043d}" for i in range(10)], "_sd_alg": "sha-256"}


def create_app() -> Flask:
    app = Flask(__name__)
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key()  # parsed once: what DESIGN.md asks of us too
    sample = jwt.encode(SAMPLE_CLAIMS, private, algorithm="ES256", headers={"kid": "ref"})

    @app.get("/hello")
    def hello() -> Response:
        return Response(b"hello", mimetype="text/plain")

    @app.get("/sample")
    def sample_jws() -> Response:
        return Response(json.dumps({"credential": sample}), mimetype="application/json")

    @app.post("/verify")
    def verify() -> Response:
        body = request.get_json(silent=True) or {}
        try:
            claims = jwt.decode(body.get("credential", ""), public, algorithms=["ES256"],
                                options={"verify_aud": False})
        except jwt.PyJWTError as exc:
            return jsonify(valid=False, error=str(exc)), 400
        return jsonify(valid=True, claims=claims)

    @app.get("/readyz")
    def ready() -> Response:
        return Response(b"ok", mimetype="text/plain")

    return app
