"""The device authorization grant (RFC 8628) through the Flask test client: the
device authorization endpoint, every token-endpoint answer of section 3.5 with a
moved clock, one-time device codes, and tokens checked by pyjwt against the JWKS."""

from __future__ import annotations

import jwt
import pytest
from sqlalchemy import select

from idp.clients import DEVICE_CODE
from idp.models.device_authorizations import DeviceAuthorization
from tests.idp.device.helpers import (
    USER_CODE,
    answer,
    poll,
    signed_in_phone,
    start,
    terminal_client,
    verified,
)
from tests.idp.protocol.helpers import basic, register


def _row(app, user_code_hash=None, *, client_id=None) -> DeviceAuthorization:
    with app.app_context(), app.services.sessions() as session:
        query = select(DeviceAuthorization).order_by(DeviceAuthorization.id.desc())
        if client_id:
            query = query.where(DeviceAuthorization.client_id == client_id)
        return session.scalars(query).first()


def _error(response) -> str:
    assert response.status_code == 400, (response.status_code, response.get_data(as_text=True))
    assert response.headers["Cache-Control"] == "no-store"
    return response.json["error"]


def test_discovery_advertises_the_endpoint_and_grant(client):
    meta = client.get("/.well-known/openid-configuration").json
    assert meta["device_authorization_endpoint"] == "http://localhost/oauth/device_authorization"
    assert DEVICE_CODE in meta["grant_types_supported"]


def test_device_authorization_response(app, terminal, unique):
    reg = terminal_client(app, unique)
    response = start(terminal, reg)
    assert response.status_code == 200, response.json
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json
    assert set(body) == {"device_code", "user_code", "verification_uri",
                         "verification_uri_complete", "expires_in", "interval"}
    assert USER_CODE.match(body["user_code"])
    assert len(body["device_code"]) >= 43
    assert body["verification_uri"] == "http://localhost/device"
    assert body["verification_uri_complete"] == \
        "http://localhost/device?user_code=" + body["user_code"]
    assert body["expires_in"] == 600 and body["interval"] == 5
    row = _row(app, client_id=reg["client_id"])
    stored = " ".join(str(getattr(row, c.key)) for c in DeviceAuthorization.__table__.columns)
    assert body["device_code"] not in stored
    assert body["user_code"].replace("-", "") not in stored
    assert row.status == "pending" and row.scope == "openid profile"


def test_endpoint_refusals(app, terminal, unique):
    public = terminal_client(app, unique)
    assert terminal.post("/oauth/device_authorization",
                         data={"client_id": "c_nobody"}).json["error"] == "invalid_client"
    assert _error(start(terminal, public, scope="openid identity")) == "invalid_scope"
    hall = register(app, unique + "h")  # a hall's code-flow client, not a terminal
    refused = terminal.post("/oauth/device_authorization", data={"scope": "openid"},
                            headers=basic(hall["client_id"], hall["secret"]))
    assert _error(refused) == "unauthorized_client"
    confidential = terminal_client(app, unique + "c", public=False)
    anonymous = terminal.post("/oauth/device_authorization",
                              data={"client_id": confidential["client_id"]})
    assert anonymous.status_code in (400, 401) and anonymous.json["error"] == "invalid_client"
    wrong = terminal.post("/oauth/device_authorization", data={"scope": "openid"},
                          headers=basic(confidential["client_id"], "not-the-secret"))
    assert wrong.status_code == 401 and wrong.json["error"] == "invalid_client"
    twice = terminal.post("/oauth/device_authorization",
                          data={"client_id": [public["client_id"]] * 2})
    assert _error(twice) == "invalid_request"


def test_approved_flow_issues_checked_tokens_once(app, terminal, phone, unique, clock):
    reg = terminal_client(app, unique)
    body = start(terminal, reg).json
    assert _error(poll(terminal, reg, body["device_code"])) == "authorization_pending"
    person = signed_in_phone(app, phone, unique)
    # Section 6.1: case-insensitive, dashes ignored.
    typed = body["user_code"].replace("-", "").lower()
    page = phone.get("/device", query_string={"user_code": typed})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"南海区政务服务中心 自助机 {unique}" in html and body["user_code"] in html
    assert 'data-scope="profile"' in html and 'class="warning"' in html
    assert answer(phone, body["user_code"], "allow").status_code == 200
    clock.advance(5)
    issued = poll(terminal, reg, body["device_code"])
    assert issued.status_code == 200, issued.json
    tokens = issued.json
    assert tokens["token_type"] == "Bearer" and tokens["refresh_token"]
    access = verified(terminal, tokens["access_token"], audience="http://localhost/api",
                      typ="at+jwt")
    assert access["sub"] == person["sub"] and access["client_id"] == reg["client_id"]
    assert access["scope"] == "openid profile" and access["acr"] == "loa-1"
    id_token = verified(terminal, tokens["id_token"], audience=reg["client_id"])
    row = _row(app, client_id=reg["client_id"])
    assert id_token["sub"] == person["sub"] and id_token["sid"] == row.sid
    assert id_token["acr"] == "loa-1" and id_token["amr"] == ["pwd"]
    assert id_token["auth_time"] == int(row.authenticated_at.timestamp())
    assert "nonce" not in id_token
    # One-time use: the replay is refused and what the code produced is revoked.
    clock.advance(5)
    assert _error(poll(terminal, reg, body["device_code"])) == "invalid_grant"
    refreshed = terminal.post("/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
        "client_id": reg["client_id"]})
    assert _error(refreshed) == "invalid_grant"
    info = terminal.get("/oauth/userinfo",
                        headers={"Authorization": "Bearer " + tokens["access_token"]})
    assert info.status_code == 401


def test_refresh_token_only_when_registered(app, terminal, phone, unique, clock):
    reg = terminal_client(app, unique, refresh=False)
    body = start(terminal, reg).json
    signed_in_phone(app, phone, unique)
    answer(phone, body["user_code"], "allow")
    tokens = poll(terminal, reg, body["device_code"]).json
    assert "refresh_token" not in tokens and tokens["access_token"]


def test_confidential_terminal(app, terminal, phone, unique, clock):
    reg = terminal_client(app, unique, public=False)
    body = start(terminal, reg).json
    signed_in_phone(app, phone, unique)
    answer(phone, body["user_code"], "allow")
    anonymous = terminal.post("/oauth/token", data={
        "grant_type": DEVICE_CODE, "device_code": body["device_code"],
        "client_id": reg["client_id"]})
    assert anonymous.json["error"] == "invalid_client"
    assert poll(terminal, reg, body["device_code"]).status_code == 200


def test_slow_down_adds_five_seconds_each_time(app, terminal, unique, clock):
    reg = terminal_client(app, unique)
    code = start(terminal, reg).json["device_code"]
    assert _error(poll(terminal, reg, code)) == "authorization_pending"
    assert _error(poll(terminal, reg, code)) == "slow_down"
    assert _row(app, client_id=reg["client_id"]).interval == 10
    clock.advance(6)  # the old interval is not enough any more
    assert _error(poll(terminal, reg, code)) == "slow_down"
    assert _row(app, client_id=reg["client_id"]).interval == 15
    clock.advance(15)
    assert _error(poll(terminal, reg, code)) == "authorization_pending"
    clock.advance(15)
    assert _error(poll(terminal, reg, code)) == "authorization_pending"


def test_access_denied(app, terminal, phone, unique, clock):
    reg = terminal_client(app, unique)
    body = start(terminal, reg).json
    signed_in_phone(app, phone, unique)
    done = answer(phone, body["user_code"], "deny")
    assert 'data-outcome="denied"' in done.get_data(as_text=True)
    assert _error(poll(terminal, reg, body["device_code"])) == "access_denied"
    # The code is spent: the phone cannot approve it afterwards.
    again = phone.get("/device", query_string={"user_code": body["user_code"]})
    assert again.status_code == 404


def test_expired_token(app, terminal, phone, unique, clock):
    reg = terminal_client(app, unique)
    body = start(terminal, reg).json
    clock.advance(601)
    assert _error(poll(terminal, reg, body["device_code"])) == "expired_token"
    signed_in_phone(app, phone, unique)
    late = phone.get("/device", query_string={"user_code": body["user_code"]})
    assert late.status_code == 404 and "过期" in late.get_data(as_text=True)
    assert _row(app, client_id=reg["client_id"]).status == "pending"


def test_another_clients_device_code_is_invalid_grant(app, terminal, phone, unique, clock):
    owner = terminal_client(app, unique)
    thief = terminal_client(app, unique + "x")
    body = start(terminal, owner).json
    signed_in_phone(app, phone, unique)
    answer(phone, body["user_code"], "allow")
    assert _error(poll(terminal, thief, body["device_code"])) == "invalid_grant"
    assert _error(poll(terminal, thief, "made-up-code")) == "invalid_grant"
    assert poll(terminal, owner, body["device_code"]).status_code == 200


def test_grant_needs_registration_and_a_device_code(app, terminal, unique):
    hall = register(app, unique)
    refused = terminal.post("/oauth/token", headers=basic(hall["client_id"], hall["secret"]),
                            data={"grant_type": DEVICE_CODE, "device_code": "x"})
    assert _error(refused) == "unauthorized_client"
    reg = terminal_client(app, unique + "t")
    missing = terminal.post("/oauth/token", data={"grant_type": DEVICE_CODE,
                                                  "client_id": reg["client_id"]})
    assert _error(missing) == "invalid_request"


def test_login_requests_are_not_redeemable_at_the_token_endpoint(app, terminal, unique):
    from idp import device_authorizations
    from tests.idp.services import idp_services

    reg = terminal_client(app, unique)
    services = idp_services(app)
    with app.test_request_context(), services.work() as session:
        started = device_authorizations.start(
            session, services.token_hash_key,
            device_authorizations.Request(purpose=device_authorizations.LOGIN,
                                          client_id=reg["client_id"], scope="openid"),
            ttl=600, interval=5)
    assert _error(poll(terminal, reg, started.device_code)) == "invalid_grant"


def test_locked_account_gets_no_tokens(app, terminal, phone, unique, clock):
    from idp.models.accounts import Account

    reg = terminal_client(app, unique)
    body = start(terminal, reg).json
    person = signed_in_phone(app, phone, unique)
    answer(phone, body["user_code"], "allow")
    with app.app_context(), app.services.sessions.begin() as session:
        session.get(Account, person["id"]).locked = True
    assert _error(poll(terminal, reg, body["device_code"])) == "invalid_grant"


def test_tokens_are_verifiable_without_our_code(app, terminal, phone, unique, clock):
    """A wrong audience or a tampered token fails pyjwt's check (the check can fail)."""
    reg = terminal_client(app, unique)
    body = start(terminal, reg).json
    signed_in_phone(app, phone, unique)
    answer(phone, body["user_code"], "allow")
    token = poll(terminal, reg, body["device_code"]).json["id_token"]
    try:
        verified(terminal, token, audience="someone-else")
    except jwt.InvalidAudienceError:
        pass
    else:
        raise AssertionError("audience not checked")
    head, payload, signature = token.split(".")
    tampered = f"{head}.{payload}.{signature[:-4]}AAAA"
    try:
        verified(terminal, tampered, audience=reg["client_id"])
    except jwt.InvalidSignatureError:
        pass
    else:
        raise AssertionError("signature not checked")


def test_clients_add_registers_a_terminal(app, terminal, unique):
    import json

    from click.testing import CliRunner

    from idp.clients_cli import clients_group
    from tests.idp.services import idp_services

    def run(*args):
        with app.app_context():
            return CliRunner().invoke(clients_group(idp_services(app)), list(args),
                                      catch_exceptions=False)

    public = run("add", "--name", f"自助机 {unique}", "--terminal", "--public", "--json")
    assert public.exit_code == 0, public.output
    data = json.loads(public.output)
    assert data["grant_types"] == [DEVICE_CODE, "refresh_token"]
    assert data["client_secret"] is None and data["redirect_uris"] == []
    assert start(terminal, {"client_id": data["client_id"]}).status_code == 200
    confidential = json.loads(run("add", "--name", f"自助机 {unique}b", "--grant",
                                  "device_code", "--json").output)
    assert confidential["grant_types"] == [DEVICE_CODE] and confidential["client_secret"]
    no_grant = run("add", "--name", "x", "--terminal", "--grant", "authorization_code",
                   "--redirect-uri", "https://h.example.cn/cb")
    assert no_grant.exit_code == 2 and "device_code" in no_grant.output


def test_decisions_land_in_the_audit_trail(app, terminal, phone, unique, clock):
    from audit.models import AuditEntry

    reg = terminal_client(app, unique)
    allowed, denied = start(terminal, reg).json, start(terminal, reg).json
    person = signed_in_phone(app, phone, unique)
    answer(phone, allowed["user_code"], "allow")
    answer(phone, denied["user_code"], "deny")
    with app.app_context(), app.services.sessions() as session:
        rows = list(session.scalars(select(AuditEntry).where(
            AuditEntry.subject == person["sub"], AuditEntry.action.like("device.%"))
            .order_by(AuditEntry.seq)))
    assert [r.action for r in rows] == ["device.allow", "device.deny"]
    assert rows[0].actor == f"person:{person['sub']}"
    assert rows[0].data["client_id"] == reg["client_id"] and rows[0].data["purpose"] == "terminal"


def test_new_requests_are_rate_limited_per_client_and_address(app, terminal, unique,
                                                              monkeypatch):
    monkeypatch.setattr("idp.device_endpoint.REQUESTS_PER_MINUTE", 2)
    reg = terminal_client(app, unique)
    assert [start(terminal, reg).status_code for _ in range(2)] == [200, 200]
    refused = start(terminal, reg)
    assert refused.status_code == 429 and refused.json["error"] == "temporarily_unavailable"
    assert int(refused.headers["Retry-After"]) > 0


def test_long_expired_requests_are_deleted(app, terminal, unique, clock):
    reg = terminal_client(app, unique)
    start(terminal, reg)
    first = _row(app, client_id=reg["client_id"]).id
    clock.advance(600 + 2592000 + 1)  # past expiry and the longest token it could make
    start(terminal, reg)
    with app.app_context(), app.services.sessions() as session:
        assert session.get(DeviceAuthorization, first) is None


def test_signing_out_on_the_phone_ends_the_terminals_tokens(app, terminal, phone, unique,
                                                            clock):
    """The terminal's tokens carry the phone's sid: ending that session (from the
    account page's list, where the terminal shows as a participant) revokes them."""
    from tests.idp.accounts.factories import csrf

    reg = terminal_client(app, unique)
    body = start(terminal, reg).json
    signed_in_phone(app, phone, unique)
    answer(phone, body["user_code"], "allow")
    tokens = poll(terminal, reg, body["device_code"]).json
    sid = _row(app, client_id=reg["client_id"]).sid
    account = phone.get("/account").get_data(as_text=True)
    assert reg["client_id"] in account or f"自助机 {unique}" in account
    ended = phone.post("/account/sessions/end", data={"sid": sid, "csrf_token": csrf(account)})
    assert ended.status_code == 302
    refreshed = terminal.post("/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
        "client_id": reg["client_id"]})
    assert _error(refreshed) == "invalid_grant"
    info = terminal.get("/oauth/userinfo",
                        headers={"Authorization": "Bearer " + tokens["access_token"]})
    assert info.status_code == 401


@pytest.mark.parametrize("data", [
    {"device_code": "x" * 5000},
    {"device_code": "\udcff".encode("utf-8", "surrogatepass").decode("latin-1")},
    {"device_code": ["a", "b"]},
    {"device_code": ""},
])
def test_hostile_device_codes_are_answered_not_crashed(app, terminal, unique, data):
    reg = terminal_client(app, unique)
    response = terminal.post("/oauth/token", data={
        "grant_type": DEVICE_CODE, "client_id": reg["client_id"], **data})
    assert response.status_code == 400
    assert response.json["error"] in ("invalid_grant", "invalid_request")


def test_hostile_user_codes_on_the_phone_page(app, phone, unique):
    signed_in_phone(app, phone, unique)
    for value in ("B" * 5000, "BCDF-GHJ\x00", "БCDF-GHJK", "<script>x</script>"):
        page = phone.get("/device", query_string={"user_code": value})
        assert page.status_code == 400, value
        assert "<script>x" not in page.get_data(as_text=True)
