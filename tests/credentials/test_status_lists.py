"""Status lists: signed, cached per version, a change visible in the next fetch."""

from __future__ import annotations

import base64
import json
import time
import zlib

from jwcrypto import jwk, jws

from credentials.formats import status_list
from tests.credentials.helpers import dept_headers


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def independent_status(token: str, keys: dict, idx: int) -> tuple[int, dict]:
    """Verify with jwcrypto, then base64url + zlib + 2-bit extraction, all written here."""
    header = json.loads(b64d(token.split(".")[0]))
    assert header["typ"] == "statuslist+jwt"
    signed = jws.JWS()
    signed.deserialize(token)
    signed.verify(jwk.JWK(**next(k for k in keys["keys"] if k["kid"] == header["kid"])),
                  alg="ES256")
    payload = json.loads(signed.payload)
    assert payload["status_list"]["bits"] == 2
    raw = zlib.decompress(b64d(payload["status_list"]["lst"]))
    assert len(raw) * 4 >= 100_000
    return (raw[idx // 4] >> (2 * (idx % 4))) & 0b11, payload


def test_status_changes_show_at_once(client, app, dept):
    h = dept_headers(app, dept)
    licence = client.post("/api/v1/licenses", json=dept.body(), headers=h).get_json()
    idx, uri = licence["status"]["idx"], licence["status"]["uri"]
    path = uri.removeprefix("http://localhost")
    keys = client.get(f"/issuers/{dept.code}/jwks").get_json()

    def fetch():
        response = client.get(path)
        assert response.status_code == 200
        assert response.mimetype == "application/statuslist+jwt"
        assert response.headers["Cache-Control"] == "public, max-age=300"
        token = response.get_data(as_text=True)
        ours = status_list.parse_status_list_jwt(
            token, app.services.keyring.public_key(
                json.loads(b64d(token.split(".")[0]))["kid"]),
            expected_uri=uri, now=int(time.time()))
        theirs, payload = independent_status(token, keys, idx)
        assert ours.status_list.get(idx) == theirs and ours.ttl == 300
        assert payload["sub"] == uri and payload["exp"] > payload["iat"]
        return theirs, response.headers["ETag"]

    first, etag = fetch()
    assert first == 0
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    ident = licence["identifier"]
    client.post(f"/api/v1/licenses/{ident}/suspend", json={"reason": "检查"}, headers=h)
    suspended, etag2 = fetch()
    assert suspended == 2 and etag2 != etag
    client.post(f"/api/v1/licenses/{ident}/reinstate", json={"reason": "整改完成"}, headers=h)
    assert fetch()[0] == 0
    client.post(f"/api/v1/licenses/{ident}/revoke", json={"reason": "吊销"}, headers=h)
    assert fetch()[0] == 1


def test_indices_are_random_and_unique(client, app, dept):
    h = dept_headers(app, dept)
    items = [dept.body() for _ in range(40)]
    results = client.post("/api/v1/licenses:batch", json={"items": items},
                          headers=h).get_json()["results"]
    slots = [(r["licence"]["status"]["uri"], r["licence"]["status"]["idx"]) for r in results]
    assert len(set(slots)) == 40
    indices = sorted(i for _, i in slots)
    assert indices != list(range(indices[0], indices[0] + 40))  # not sequential
    assert indices[-1] - indices[0] > 10_000  # spread over the list


def test_unknown_list_is_404_problem(client, dept):
    response = client.get(f"/issuers/{dept.code}/status/nope")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
