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


def raw_token(app, header, payload: bytes, *, mangle=None):
    """A compact JWS over arbitrary bytes with the provider's ES256 key."""
    import base64
    import json

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    with app.app_context():
        signer = app.services.keyring.signer("provider", "ES256")
    header = {"alg": "ES256", "typ": "at+jwt", "kid": signer.kid, **header}
    signing_input = b64(json.dumps(header).encode()) + "." + b64(payload)
    r, s = decode_dss_signature(signer.private_key.sign(signing_input.encode(),
                                                        ec.ECDSA(hashes.SHA256())))
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    if mangle:
        signature = mangle(signature)
    return signing_input + "." + b64(signature)


def test_direct_check_accepts_what_it_signed_and_refuses_hostile_shapes(app):
    import json

    body = json.dumps(claims()).encode()
    assert check(app, raw_token(app, {}, body)).sub == "s1"
    hostile = [
        raw_token(app, {"crit": ["exp"]}, body),  # RFC 7515 4.1.11: not understood
        raw_token(app, {"b64": False}, body),  # RFC 7797: not a token of ours
        raw_token(app, {}, body, mangle=lambda sig: sig[:63]),  # short R||S
        raw_token(app, {}, body, mangle=lambda sig: sig + b"\0"),  # long R||S
        raw_token(app, {}, body, mangle=lambda sig: bytes(64)),  # zero R||S
        raw_token(app, {}, body, mangle=lambda sig: sig[:32] + bytes([sig[32] ^ 1]) + sig[33:]),
        raw_token(app, {}, b"[1, 2]"),  # payload not an object
        raw_token(app, {}, b"\xff\xfe"),  # payload not UTF-8 JSON
        raw_token(app, {"kid": 7}, body),  # non-string kid
        raw_token(app, {}, json.dumps(claims(aud=[ISSUER + "/api", 5])).encode()),
        raw_token(app, {}, json.dumps(claims(aud=ISSUER + "/other")).encode()),
        raw_token(app, {}, json.dumps(claims(iat=int(time.time()) + 600)).encode()),
        raw_token(app, {}, json.dumps(claims(nbf=int(time.time()) + 600)).encode()),
        raw_token(app, {}, json.dumps(claims(exp=str(int(time.time()) + 600))).encode()),
        raw_token(app, {}, json.dumps(claims(exp=True)).encode()),
        raw_token(app, {}, json.dumps(claims(sub="")).encode()),
    ]
    good = raw_token(app, {}, body)
    head, payload, sig = good.split(".")
    tampered = json.dumps(claims(sub="someone-else")).encode()
    import base64
    hostile += [
        # another payload under the first one's signature
        f"{head}.{base64.urlsafe_b64encode(tampered).rstrip(b'=').decode()}.{sig}",
        f"{head}.{payload}.{sig}=",  # padding is not base64url (RFC 7515 section 2)
        f"{head}.{payload}.{sig[:-1]}+",  # the standard alphabet
        f"{head}.{payload}.{sig}.x",  # four parts
        f"{head}.{payload}",  # two parts
        "é." + payload + "." + sig,  # non-ASCII header
    ]
    for token in hostile:
        with pytest.raises(InvalidAccessToken):
            check(app, token)


def test_a_string_audience_is_accepted_as_rfc_7519_allows(app):
    import json

    body = json.dumps(claims(aud=ISSUER + "/api")).encode()
    assert check(app, raw_token(app, {}, body)).client_id == "c1"


class _Ring:
    """The part of KeyRing the validator uses, with keys published at will."""

    def __init__(self):
        self.published: dict[str, object] = {}
        self.reads = 0
        self.generation = 0

    def jwks(self, owner):
        self.reads += 1
        return {"keys": [{"kid": kid, "alg": "ES256"} for kid in self.published]}

    def public_key(self, kid):
        return self.published[kid].public_key()


def test_a_key_published_elsewhere_validates_within_the_recheck_bound(monkeypatch):
    """Another process rotated the provider key with --prepublish 0 and signs with it
    within 2 s (idp.tokens.ProviderSigner): this validator accepts it within the same
    bound, not after its 30 s kid cache; made-up kids cost one read per bound."""
    from cryptography.hazmat.primitives.asymmetric import ec

    import edge.access_tokens as module
    from keys.signer import Signer
    from keys.tokens import sign as sign_token

    clock = [1000.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: clock[0])
    ring = _Ring()
    old, new = (Signer(kid=kid, alg="ES256", private_key=ec.generate_private_key(ec.SECP256R1()))
                for kid in ("old", "new"))
    ring.published["old"] = old.private_key
    validator = AccessTokenValidator(ring, issuer=ISSUER, audience=ISSUER + "/api",
                                     key_faults=(KeysError, ValueError, KeyError))

    def token(signer):
        return sign_token(signer, claims(), {"typ": "at+jwt"})

    assert validator.validate(token(old)).sub == "s1" and ring.reads == 1
    ring.published["new"] = new.private_key  # published through the other process
    clock[0] += 1.0
    with pytest.raises(InvalidAccessToken, match="not a published"):
        validator.validate(token(new))  # the set is 1 s old: not asked again yet
    assert ring.reads == 1
    clock[0] += module.KEY_RECHECK_SECONDS
    assert validator.validate(token(new)).sub == "s1" and ring.reads == 2
    for _ in range(5):  # made-up kids: at most one read per bound
        forged = Signer(kid=uuid.uuid4().hex, alg="ES256",
                        private_key=ec.generate_private_key(ec.SECP256R1()))
        with pytest.raises(InvalidAccessToken, match="not a published"):
            validator.validate(token(forged))
    assert ring.reads == 2
    clock[0] += module.KEY_RECHECK_SECONDS
    with pytest.raises(InvalidAccessToken):
        validator.validate(token(forged))
    assert ring.reads == 3
