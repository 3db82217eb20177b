"""The wallet under the person's choice: acting for an enterprise it lists the
enterprise's licences (holder code 001, its USCC), acting for oneself the person's
(111): never the other's. Signed in through the provider like any hall, the wallet
being its public PKCE client."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from tests.credentials.helpers import dept_headers, make_department
from tests.idp.accounts.factories import make_person
from tests.idp.protocol.helpers import login, pkce, query
from tests.idp.representation.helpers import choose, consented, link, make_enterprise

WALLET = "onegate-wallet"
CALLBACK = "http://localhost/wallet/callback"


def _issue(client, app, dept, code_type: str, number: str) -> str:
    body = dept.body(holder={"code_type": code_type, "number": number, "name": "持证方"})
    response = client.post("/api/v1/licenses", json=body, headers=dept_headers(app, dept))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["identifier"]


def _wallet_token(client, value: str) -> str:
    """The wallet's authorization request, the person's choice, the PKCE exchange."""
    from credentials.wallet import SCOPES

    verifier, challenge = pkce()
    params = {"response_type": "code", "client_id": WALLET, "redirect_uri": CALLBACK,
              "scope": " ".join(SCOPES), "state": "s", "code_challenge": challenge,
              "code_challenge_method": "S256", "nonce": "n-" + value[:8]}
    page = client.get("/oauth/authorize", query_string=params)
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    answer = consented(client, choose(client, page.get_data(as_text=True), params, value))
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    code = query(answer.headers["Location"])["code"]
    token = client.post("/oauth/token", data=MultiDict({
        "grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
        "client_id": WALLET, "code_verifier": verifier}))
    assert token.status_code == 200, token.get_json()
    return token.get_json()["access_token"]


def _listed(client, token: str) -> list[str]:
    response = client.get("/api/v1/wallet/licenses", headers={"Authorization": "Bearer " + token})
    assert response.status_code == 200, response.get_json()
    return [item["identifier"] for item in response.get_json()["licenses"]]


def test_wallet_shows_the_chosen_party_only(app, client, unique):
    from admin.bootstrap import ensure_wallet_client

    # Another test may have pointed the shared wallet client at its live server.
    ensure_wallet_client(app)
    person, enterprise = make_person(app, unique), make_enterprise(app, unique)
    link(app, enterprise, person, "legal")
    people_dept = make_department(app, unique)
    firms_dept = make_department(app, unique + "f", holder_kind="enterprise")
    mine = _issue(client, app, people_dept, "111", person["id_number"])
    firms = _issue(client, app, firms_dept, "001", enterprise["uscc"])
    assert login(client, person["username"]).status_code == 302
    as_enterprise = _wallet_token(client, enterprise["sub"])
    assert _listed(client, as_enterprise) == [firms]
    headers = {"Authorization": "Bearer " + as_enterprise}
    assert client.get(f"/api/v1/wallet/licenses/{mine}", headers=headers).status_code == 404
    as_self = _wallet_token(client, "self")
    assert _listed(client, as_self) == [mine]
    headers = {"Authorization": "Bearer " + as_self}
    assert client.get(f"/api/v1/wallet/licenses/{firms}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/wallet/licenses/{firms}",
                      headers={"Authorization": "Bearer " + as_enterprise}).status_code == 200
