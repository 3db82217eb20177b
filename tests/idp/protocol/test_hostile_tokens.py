"""Hostile access tokens at every endpoint that reads one: never a 5xx, never an
ERROR in the log, always the wire answer the standards give.

- userinfo and the department APIs: 401 with ``WWW-Authenticate: Bearer
  error="invalid_token"`` (RFC 6750 section 3.1);
- introspection: 200 ``{"active": false}`` (RFC 7662 section 2.2);
- revocation: 200 (RFC 7009 section 2.2: an invalid token is not an error).

The tokens are built from the provider's real keys with headers that lie about
them (the class behind "ES256 signed, RSA kid"), plus plain garbage.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.idp.protocol.helpers import basic, register

ISSUER = "http://localhost"
SIGNING_ALGS = ("ES256", "RS256", "EdDSA")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _json(value) -> str:
    return _b64(json.dumps(value).encode())


def claims(owner: str, **changes) -> dict:
    """Access-token claims for ``client_id``: the token passes the revocation
    endpoint's ownership check, so only its own faults can refuse it."""
    now = int(time.time())
    body = {"iss": ISSUER, "aud": [ISSUER + "/api"], "sub": "s-" + uuid.uuid4().hex[:8],
            "client_id": owner, "jti": uuid.uuid4().hex, "iat": now, "exp": now + 300,
            "scope": "openid profile"}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


class Keys:
    """The provider's active signers, by algorithm, and their kids."""

    def __init__(self, app, client_id: str):
        self.client_id = client_id
        ring = app.services.keyring
        with app.app_context():
            self.signers = {alg: ring.signer("provider", alg) for alg in SIGNING_ALGS}
        self.kid = {alg: s.kid for alg, s in self.signers.items()}

    def sign_as(self, key_alg: str, header: dict, body: dict | bytes) -> str:
        """``header`` and ``body`` signed by the ``key_alg`` key, whatever the header says."""
        signer = self.signers[key_alg]
        payload = _b64(body) if isinstance(body, bytes) else _json(body)
        signing_input = f"{_json(header)}.{payload}".encode()
        return signing_input.decode() + "." + _b64(_raw_signature(signer, signing_input))

    def claims(self, **changes) -> dict:
        return claims(self.client_id, **changes)

    def public_pem(self, alg: str) -> bytes:
        return self.signers[alg].private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _raw_signature(signer, data: bytes) -> bytes:
    import jwt

    algorithm = jwt.get_algorithm_by_name(signer.alg)
    return algorithm.sign(data, signer.private_key)


@pytest.fixture
def reg(app, unique) -> dict:
    return register(app, unique, trusted=True)


@pytest.fixture
def keys(app, reg) -> Keys:
    return Keys(app, reg["client_id"])


class ErrorLog(logging.Handler):
    """Collects ERROR records from every logger while a test runs."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def error_log():
    handler = ErrorLog()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


def assert_refused_everywhere(client, reg: dict, token: str, error_log: ErrorLog) -> None:
    """The token is refused the standard way at each endpoint, without an ERROR logged."""
    auth = basic(reg["client_id"], reg["secret"])
    for path in ("/oauth/userinfo", "/api/v1/licenses/1.2.156.x", "/api/v1/holder/licenses",
                 "/api/v1/wallet/licenses"):
        response = client.get(path, headers={"Authorization": "Bearer " + token})
        assert response.status_code == 401, (path, response.status_code, token[:200])
        challenge = response.headers.get("WWW-Authenticate", "")
        assert challenge.startswith("Bearer "), (path, challenge)
        assert 'error="invalid_token"' in challenge, (path, challenge)
    posted = client.post("/oauth/userinfo", data={"access_token": token})
    assert posted.status_code == 401 and posted.json["error"] == "invalid_token"
    for hint in (None, "access_token", "refresh_token"):
        data = {"token": token, **({"token_type_hint": hint} if hint else {})}
        introspected = client.post("/oauth/introspect", data=data, headers=auth)
        assert (introspected.status_code, introspected.json) == (200, {"active": False}), \
            token[:200]
        revoked = client.post("/oauth/revoke", data=data, headers=auth)
        assert revoked.status_code == 200, (revoked.status_code, token[:200])
    assert not error_log.records, [r.getMessage() for r in error_log.records]


def named_cases(keys: Keys) -> dict[str, str]:
    """One token per kind of lie, each refused for exactly that reason."""
    at = {"typ": "at+jwt"}
    es, rs, ed = keys.kid["ES256"], keys.kid["RS256"], keys.kid["EdDSA"]
    now = int(time.time())
    hs_secret = keys.public_pem("RS256")
    hs_input = f"{_json({**at, 'alg': 'HS256', 'kid': rs})}.{_json(keys.claims())}".encode()
    return {
        # The reported 500: ES256 signature, header names the RSA or EdDSA key.
        "es256-with-rsa-kid": keys.sign_as("ES256", {**at, "alg": "ES256", "kid": rs},
                                           keys.claims()),
        "es256-with-eddsa-kid": keys.sign_as("ES256", {**at, "alg": "ES256", "kid": ed},
                                             keys.claims()),
        "rs256-header-es-kid": keys.sign_as("RS256", {**at, "alg": "RS256", "kid": es},
                                            keys.claims()),
        "eddsa-header-rsa-kid": keys.sign_as("EdDSA", {**at, "alg": "EdDSA", "kid": rs},
                                             keys.claims()),
        "rs256-signed-own-kid": keys.sign_as("RS256", {**at, "alg": "RS256", "kid": rs},
                                             keys.claims()),
        "alg-none": f"{_json({**at, 'alg': 'none', 'kid': es})}.{_json(keys.claims())}.",
        "hs256-public-key-as-secret": hs_input.decode() + "." + _b64(
            hmac.new(hs_secret, hs_input, hashlib.sha256).digest()),
        "unknown-kid": keys.sign_as("ES256", {**at, "alg": "ES256", "kid": "nope"},
                                    keys.claims()),
        "kid-not-a-string": keys.sign_as("ES256", {**at, "alg": "ES256", "kid": {"a": 1}},
                                         keys.claims()),
        "alg-not-a-string": keys.sign_as("ES256", {**at, "alg": ["ES256"], "kid": es},
                                         keys.claims()),
        "wrong-typ": keys.sign_as("ES256", {"typ": "JWT", "alg": "ES256", "kid": es},
                                  keys.claims()),
        "bad-base64": "e!!.e30.AAAA",
        "huge": keys.sign_as("ES256", {**at, "alg": "ES256", "kid": es},
                             keys.claims(pad="x" * 100_000)),
        "header-not-json": f"{_b64(b'{not json')}.{_json(keys.claims())}.AAAA",
        "header-a-list": f"{_json(['alg', 'ES256'])}.{_json(keys.claims())}.AAAA",
        "payload-not-json": keys.sign_as("ES256", {**at, "alg": "ES256", "kid": es}, keys.claims())
        .split(".")[0] + "." + _b64(b"\xff\xfe") + ".AAAA",
        "wrong-aud": keys.sign_as("ES256", {**at, "alg": "ES256", "kid": es},
                                  keys.claims(aud="https://other.example/api")),
        "wrong-iss": keys.sign_as("ES256", {**at, "alg": "ES256", "kid": es},
                                  keys.claims(iss="https://evil.example")),
        "expired": keys.sign_as("ES256", {**at, "alg": "ES256", "kid": es},
                                keys.claims(exp=now - 3600, iat=now - 7200)),
        "nbf-future": keys.sign_as("ES256", {**at, "alg": "ES256", "kid": es},
                                   keys.claims(nbf=now + 3600)),
        "exp-a-string": keys.sign_as("ES256", {**at, "alg": "ES256", "kid": es},
                                     keys.claims(exp="tomorrow")),
        "jwe-shaped": ".".join([_json({"alg": "RSA-OAEP", "enc": "A256GCM", "kid": rs}),
                                "AAAA", "AAAA", "AAAA", "AAAA"]),
        "crit-unknown": keys.sign_as("ES256", {**at, "alg": "ES256", "kid": es,
                                               "crit": ["x-unknown"], "x-unknown": 1},
                                    keys.claims()),
        "deeply-nested-payload": keys.sign_as("ES256", {**at, "alg": "ES256", "kid": es},
                                              b"[" * 2500 + b"]" * 2500),
    }


CASE_NAMES = ["es256-with-rsa-kid", "es256-with-eddsa-kid", "rs256-header-es-kid",
              "eddsa-header-rsa-kid", "rs256-signed-own-kid", "alg-none",
              "hs256-public-key-as-secret", "unknown-kid", "kid-not-a-string",
              "alg-not-a-string", "wrong-typ", "bad-base64", "huge", "header-not-json",
              "header-a-list", "payload-not-json", "wrong-aud", "wrong-iss", "expired",
              "nbf-future", "exp-a-string", "jwe-shaped", "crit-unknown",
              "deeply-nested-payload"]


@pytest.mark.parametrize("case", CASE_NAMES)
def test_hostile_token_is_refused_without_5xx(app, client, keys, reg, error_log, case):
    app.testing = False  # an unhandled error must answer 500 here, as in production
    assert_refused_everywhere(client, reg, named_cases(keys)[case], error_log)


def test_a_well_formed_token_is_still_accepted(app, client, keys, reg):
    """The control case: what the hostile ones imitate really works."""
    es = keys.kid["ES256"]
    token = keys.sign_as("ES256", {"typ": "at+jwt", "alg": "ES256", "kid": es}, keys.claims())
    auth = basic(reg["client_id"], reg["secret"])
    introspected = client.post("/oauth/introspect", data={"token": token}, headers=auth).json
    assert introspected["active"] is True and introspected["client_id"] == reg["client_id"]


# --- property tests ------------------------------------------------------------------

_HEADER_ALGS = st.sampled_from(["ES256", "RS256", "EdDSA", "none", "HS256", "ES384", "PS256",
                                "", None, 1, ["ES256"]])
_TYPS = st.sampled_from(["at+jwt", "application/at+jwt", "JWT", "AT+JWT", None, 7])
_CLAIM_CHANGES = st.sampled_from([
    {}, {"exp": 1}, {"nbf": 4_000_000_000}, {"iss": "https://evil.example"},
    {"aud": "https://other.example/api"}, {"sub": None}, {"client_id": None}, {"jti": None},
    {"exp": "x"}, {"iat": "x"}, {"scope": ["openid"]}, {"aud": 5}, {"iss": None}])


@st.composite
def forged_tokens(draw, keys: Keys):
    key_alg = draw(st.sampled_from(SIGNING_ALGS))
    header_alg = draw(_HEADER_ALGS)
    kid = draw(st.one_of(st.sampled_from(list(keys.kid.values())),
                         st.sampled_from([None, "", 3, {"k": 1}, "x" * 300])))
    typ = draw(_TYPS)
    changes = draw(_CLAIM_CHANGES)
    header = {k: v for k, v in {"alg": header_alg, "kid": kid, "typ": typ}.items()
              if v is not None}
    honest = (header_alg == key_alg == "ES256" and kid == keys.kid["ES256"]
              and typ in ("at+jwt", "application/at+jwt") and not changes)
    assume(not honest)
    token = keys.sign_as(key_alg, header, keys.claims(**changes))
    mangle = draw(st.sampled_from(["none", "drop-signature", "five-parts", "truncate"]))
    if mangle == "drop-signature":
        token = token.rsplit(".", 1)[0] + "."
    elif mangle == "five-parts":
        token += ".AAAA.AAAA"
    elif mangle == "truncate":
        token = token[:draw(st.integers(min_value=1, max_value=len(token) - 1))]
    return token


_GARBAGE = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1,
            max_size=300),
    st.lists(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                              "0123456789-_=+/", max_size=80), min_size=1, max_size=6)
    .map(".".join).filter(bool),
    st.tuples(st.dictionaries(st.sampled_from(["alg", "kid", "typ", "crit", "jku", "x5u"]),
                              st.one_of(st.text(max_size=20), st.integers(), st.none(),
                                        st.lists(st.integers(), max_size=3))),
              st.binary(max_size=60), st.binary(max_size=80))
    .map(lambda parts: f"{_json(parts[0])}.{_b64(parts[1])}.{_b64(parts[2])}"),
)

PROPERTY_SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                             suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                    HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(data=st.data())
def test_forged_tokens_from_real_keys_are_refused(app, client, keys, reg, error_log, data):
    app.testing = False
    token = data.draw(forged_tokens(keys))
    assert_refused_everywhere(client, reg, token, error_log)


@PROPERTY_SETTINGS
@given(token=_GARBAGE)
def test_garbage_tokens_are_refused(app, client, reg, error_log, token):
    app.testing = False
    assert_refused_everywhere(client, reg, token.strip() or "x", error_log)
