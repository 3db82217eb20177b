"""Local validation of RFC 9068 access tokens against the provider's published keys."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest

import keys
from edge.access_tokens import AccessTokenValidator, InvalidAccessToken
from keys.errors import KeysError
from tests.credentials.helpers import ISSUER


def claims(**extra):
    now = int(time.time())
    body = {"iss": ISSUER, "aud": [ISSUER + "/api"], "scope": "a b", "client_id": "c1",
            "sub": "s1", "jti": uuid.uuid4().hex, "iat": now, "exp": now + 300}
    body.update(extra)
    return {k: v for k, v in body.items() if v is not None}


def check(app, token):
    return AccessTokenValidator(app.services.keyring, issuer=ISSUER, audience=ISSUER + "/api",
                                key_faults=(KeysError, ValueError)).validate(token)


def sign(app, body, owner="provider", headers=None):
    with app.app_context():
        return app.services.keyring.sign_jwt(owner, "ES256", body,
                                                          headers=headers or {"typ": "at+jwt"})


def test_valid_token(app):
    token = check(app, sign(app, claims()))
    assert (token.sub, token.client_id, token.scopes) == ("s1", "c1", frozenset({"a", "b"}))


@pytest.mark.parametrize("body", [
    claims(exp=int(time.time()) - 120), claims(iss="https://evil.example"),
    claims(aud=["https://other.example/api"]), claims(client_id=None), claims(jti=None),
    claims(scope=["a"]), claims(sub=None)])
def test_bad_claims(app, body):
    with pytest.raises(InvalidAccessToken):
        check(app, sign(app, body))


def test_wrong_typ_and_foreign_keys(app, unique):
    with pytest.raises(InvalidAccessToken):
        check(app, sign(app, claims(), headers={"typ": "JWT"}))
    owner = keys.department("k" + unique)
    app.services.keyring.ensure(owner, "ES256")
    with pytest.raises(InvalidAccessToken):  # a department key is not the provider's
        check(app, sign(app, claims(), owner=owner))
    with pytest.raises(InvalidAccessToken):
        check(app, jwt.encode(claims(), "s" * 32, algorithm="HS256",
                              headers={"typ": "at+jwt", "kid": "x"}))
    for garbage in ("", "a.b.c", "x" * 10_000, "eyJhbGciOiJub25lIn0.e30."):
        with pytest.raises(InvalidAccessToken):
            check(app, garbage)
