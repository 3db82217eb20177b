"""keys.tokens.sign writes ES256 tokens itself (cryptography directly): the same header
and payload bytes as pyjwt, a signature pyjwt verifies, and pyjwt for everything else."""

from __future__ import annotations

from datetime import UTC, datetime

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from keys import tokens
from keys.signer import Signer


@pytest.fixture(scope="module")
def es256():
    return Signer(kid="k1", alg="ES256", private_key=ec.generate_private_key(ec.SECP256R1()))


@pytest.mark.parametrize("headers", [None, {"typ": "at+jwt"}, {"typ": "logout+jwt", "x": 1},
                                     {"kid": "forged", "alg": "none"}])
def test_same_bytes_as_pyjwt_and_a_signature_it_verifies(es256, headers):
    claims = {"iss": "https://idp.example", "sub": "张三", "exp": 2_000_000_000, "n": [1, 2.5],
              "nested": {"b": True, "a": None}}
    ours = tokens.sign(es256, claims, headers)
    theirs = jwt.encode(claims, es256.private_key, algorithm="ES256",
                        headers={**(headers or {}), "kid": "k1", "alg": "ES256"})
    assert ours.rsplit(".", 1)[0] == theirs.rsplit(".", 1)[0]
    header = jwt.get_unverified_header(ours)
    assert (header["kid"], header["alg"]) == ("k1", "ES256")  # never the caller's
    assert jwt.decode(ours, es256.private_key.public_key(), algorithms=["ES256"],
                      options={"verify_exp": False}) == claims


def test_datetimes_and_other_algorithms_go_through_pyjwt(es256):
    when = datetime(2030, 1, 1, tzinfo=UTC)
    token = tokens.sign(es256, {"exp": when})
    assert jwt.decode(token, es256.private_key.public_key(), algorithms=["ES256"])["exp"] == \
        int(when.timestamp())
    rs = Signer(kid="r1", alg="RS256",
                private_key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    token = tokens.sign(rs, {"sub": "s"})
    assert jwt.decode(token, rs.private_key.public_key(), algorithms=["RS256"]) == {"sub": "s"}


def test_unserialisable_claims_raise_type_error(es256):
    with pytest.raises(TypeError):
        tokens.sign(es256, {"sub": object()})


def test_the_licence_signer_writes_the_same_bytes(es256):
    """credentials.formats.jws keeps its own copy of the ES256 fast path (that pure
    core imports no other package of ours): both must write what pyjwt writes."""
    from credentials.formats import jws, strict_json
    from keys.es256 import sign_compact

    header = {"typ": "dc+sd-jwt", "kid": "k1"}
    payload = {"iss": "https://idp.example", "名称": "某某有限公司", "n": 3}
    theirs = jws.sign(payload, private_key=es256.private_key, alg="ES256", headers=header)
    ours = sign_compact(es256.private_key, {**header, "alg": "ES256"},
                        strict_json.dumps(payload))
    assert ours.rsplit(".", 1)[0] == theirs.rsplit(".", 1)[0]
    public = es256.private_key.public_key()
    assert jwt.decode(ours, public, algorithms=["ES256"]) == payload
    assert jwt.decode(theirs, public, algorithms=["ES256"]) == payload
