"""代办 token exchange and mandate endpoints under attack: each request a hostile or
mistaken station system might send, refused with its RFC 6749 / RFC 8693 code, and
the honest request beside it still answered (so each refusal is the check's doing)."""

from __future__ import annotations

import time

import pytest

from tests.idp.mandates.helpers import (
    ACCESS,
    ISSUER,
    approved,
    clerk,
    exchange,
    start,
    station,
    token_for,
    verified,
    village,
)
from tests.idp.protocol.helpers import basic, register


def _refused(response, error: str, words: str | None = None, status: int = 400) -> None:
    body = response.get_json()
    assert response.status_code == status, body
    assert body["error"] == error, body
    assert response.headers["Cache-Control"] == "no-store"
    if words:
        assert words in body["error_description"], body


def _ok(client, setting, reference: str, **extra) -> dict:
    issued = exchange(client, setting["reg"], reference, setting["token"], **extra)
    assert issued.status_code == 200, issued.get_data(as_text=True)
    return issued.get_json()


def test_a_delegated_token_cannot_be_the_actor(app, client, phone, unique, setting):
    """RFC 8693 section 4.1: a token carrying ``act`` acts for someone else already. An
    enterprise representative's token (sub the enterprise, act the clerk as a person)
    and the 代办 token itself are no clerk's own login."""
    started, _ = approved(app, client, phone, unique, setting)
    as_agent = {"sub": setting["clerk"]["sub"], "cn_representation": "agent"}
    enterprise_act = token_for(app, setting["clerk"], setting["reg"],
                               cn_uscc="91440101MA5CXXXX1X", act=as_agent)
    _refused(exchange(client, setting["reg"], started["mandate_reference"], enterprise_act),
             "invalid_request", "delegated")
    _refused(start(client, setting["reg"], enterprise_act), "invalid_request", "delegated")
    daiban = _ok(client, setting, started["mandate_reference"])["access_token"]
    _refused(exchange(client, setting["reg"], started["mandate_reference"], daiban),
             "invalid_request", "delegated")
    _refused(start(client, setting["reg"], daiban), "invalid_request", "delegated")


def test_only_a_mandate_reference_is_a_subject_token(app, client, phone, unique, setting):
    """A citizen's access token (here the 代办 token itself) is no subject_token, named as
    an access token or passed off as a mandate reference."""
    started, _ = approved(app, client, phone, unique, setting)
    daiban = _ok(client, setting, started["mandate_reference"])["access_token"]
    _refused(exchange(client, setting["reg"], daiban, setting["token"],
                      subject_token_type=ACCESS), "invalid_request", "subject_token_type")
    _refused(exchange(client, setting["reg"], daiban, setting["token"]),
             "invalid_request", "no mandate")
    _refused(exchange(client, setting["reg"], "", setting["token"]), "invalid_request",
             "missing")
    _refused(exchange(client, setting["reg"], started["mandate_reference"], setting["token"],
                      actor_token_type="urn:ietf:params:oauth:token-type:jwt"),
             "invalid_request", "actor_token_type")


def test_only_an_access_token_for_the_api_is_issued(app, client, phone, unique, setting):
    started, _ = approved(app, client, phone, unique, setting)
    reference = started["mandate_reference"]
    _refused(exchange(client, setting["reg"], reference, setting["token"],
                      requested_token_type="urn:ietf:params:oauth:token-type:refresh_token"),
             "invalid_request", "Only")
    for name in ("audience", "resource"):
        _refused(exchange(client, setting["reg"], reference, setting["token"],
                          **{name: "https://tax.example.cn/"}), "invalid_target")
    body = _ok(client, setting, reference, audience=ISSUER + "/api",
               resource=ISSUER + "/api", requested_token_type=ACCESS)
    assert verified(client, body["access_token"])["aud"] == [ISSUER + "/api"]


def test_a_client_not_registered_for_token_exchange(app, client, phone, unique, setting):
    """A hall's code-flow client, assigned to the same station, with the clerk's own
    loa-2 token from it: unauthorized_client at both endpoints. A wrong secret or no
    secret at all: invalid_client."""
    started, _ = approved(app, client, phone, unique, setting)
    hall_app = register(app, unique + "h", hall_code=setting["hall"],
                        scopes=["openid", "identity"])
    own = token_for(app, setting["clerk"], hall_app)
    _refused(exchange(client, hall_app, started["mandate_reference"], own),
             "unauthorized_client")
    _refused(start(client, hall_app, own), "unauthorized_client")
    wrong = {**setting["reg"], "secret": "not-the-secret"}
    _refused(exchange(client, wrong, started["mandate_reference"], setting["token"]),
             "invalid_client", status=401)
    _refused(start(client, wrong, setting["token"]), "invalid_client", status=401)
    anonymous = client.post("/oauth/token", data={
        "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
        "client_id": setting["reg"]["client_id"],
        "subject_token": started["mandate_reference"],
        "subject_token_type": "urn:onegate:params:oauth:token-type:mandate",
        "actor_token": setting["token"], "actor_token_type": ACCESS})
    assert anonymous.status_code in (400, 401)
    assert anonymous.get_json()["error"] == "invalid_client"
    _ok(client, setting, started["mandate_reference"])


def test_an_expired_foreign_or_revoked_clerk_token_is_refused(app, client, phone, unique,
                                                              setting):
    started, _ = approved(app, client, phone, unique, setting)
    reference = started["mandate_reference"]
    now = int(time.time())
    stale = token_for(app, setting["clerk"], setting["reg"], iat=now - 600, exp=now - 60)
    _refused(exchange(client, setting["reg"], reference, stale), "invalid_request",
             "invalid, expired or revoked")
    foreign = token_for(app, setting["clerk"], setting["reg"], issuer="https://evil.example")
    _refused(exchange(client, setting["reg"], reference, foreign), "invalid_request",
             "invalid, expired or revoked")
    _ok(client, setting, reference)
    revoked = client.post("/oauth/revoke", data={"token": setting["token"]},
                          headers=basic(setting["reg"]["client_id"], setting["reg"]["secret"]))
    assert revoked.status_code == 200
    _refused(exchange(client, setting["reg"], reference, setting["token"]), "invalid_request",
             "invalid, expired or revoked")


@pytest.mark.parametrize("change", ["role withdrawn", "clerk locked", "station disabled"])
def test_a_clerk_no_longer_in_service_at_the_station_cannot_exchange(app, client, phone,
                                                                     unique, setting, change):
    """The clerk is checked again at every exchange, not only when the citizen agreed."""
    from idp import accounts, staff
    from idp.models.accounts import Account
    from idp.models.staff import Hall

    started, _ = approved(app, client, phone, unique, setting)
    _ok(client, setting, started["mandate_reference"])
    with app.idp_services.work() as session:
        account = session.get(Account, setting["clerk"]["id"])
        if change == "role withdrawn":
            staff.revoke(session, account, staff.Grant(staff.CLERK, setting["hall"]))
        elif change == "clerk locked":
            accounts.lock(session, account, "left the station")
        else:
            session.query(Hall).filter_by(code=setting["hall"]).one().disabled = True
    _refused(exchange(client, setting["reg"], started["mandate_reference"], setting["token"]),
             "invalid_request")


def test_a_clerk_of_another_station_cannot_use_the_mandate(app, client, phone, unique,
                                                          setting):
    """A clerk of another village, with a token from this station's system: not a clerk
    here. With their own station's system: not this system's mandate."""
    started, _ = approved(app, client, phone, unique, setting)
    other_hall = village(app, unique + "o", name=f"东村服务站 {unique}")
    other_reg = station(app, unique + "o", other_hall)
    zhao = clerk(app, other_hall, name="赵六")
    _refused(exchange(client, setting["reg"], started["mandate_reference"],
                      token_for(app, zhao, setting["reg"])), "invalid_request",
             "not a clerk of this hall")
    _refused(exchange(client, other_reg, started["mandate_reference"],
                      token_for(app, zhao, other_reg)), "invalid_request",
             "no mandate of this client")


def test_a_locked_citizen_gives_no_more_tokens(app, client, phone, unique, setting):
    from idp import accounts
    from idp.models.accounts import Account

    started, citizen = approved(app, client, phone, unique, setting)
    _ok(client, setting, started["mandate_reference"])
    with app.idp_services.work() as session:
        accounts.lock(session, session.get(Account, citizen["id"]), "reported stolen")
    _refused(exchange(client, setting["reg"], started["mandate_reference"], setting["token"]),
             "invalid_request", "can no longer be used")


def test_an_answered_request_cannot_be_answered_again(app, client, phone, unique, setting):
    """The user code is spent once the citizen allowed: a replayed deny (or a second
    phone) changes nothing, and the station's tokens keep coming."""
    from tests.idp.accounts.factories import csrf

    started, _ = approved(app, client, phone, unique, setting)
    again = phone.get("/mandate", query_string={"user_code": started["user_code"]})
    assert again.status_code == 404
    page = phone.get("/account").get_data(as_text=True)
    replay = phone.post("/mandate", data={"csrf_token": csrf(page),
                                          "user_code": started["user_code"],
                                          "decision": "deny"})
    assert replay.status_code == 404
    _ok(client, setting, started["mandate_reference"])


def test_a_one_time_code_confirms_once_and_for_its_own_station_only(app, client, unique,
                                                                     setting, monkeypatch):
    from idp import accounts
    from tests.idp.accounts.factories import make_person

    sent = []
    monkeypatch.setattr(app.idp_services.sender, "send", sent.append)
    citizen = make_person(app, unique + "d")
    with app.idp_services.work() as session:
        accounts.get_by_sub(session, citizen["sub"]).phone_verified = True
    body = start(client, setting["reg"], setting["token"], method="id_document",
                 id_number=citizen["id_number"], id_document_checked="true").get_json()
    code = next(word for word in sent[0].text.split() if word.isdigit() and len(word) == 6)
    other = station(app, unique + "o", setting["hall"])
    data = {"mandate_reference": body["mandate_reference"], "one_time_code": code}
    _refused(client.post("/oauth/mandates/confirm", data=data,
                         headers=basic(other["client_id"], other["secret"])),
             "invalid_request", "no mandate of this client")
    own = basic(setting["reg"]["client_id"], setting["reg"]["secret"])
    assert client.post("/oauth/mandates/confirm", data=data, headers=own).status_code == 200
    _refused(client.post("/oauth/mandates/confirm", data=data, headers=own),
             "invalid_request", "No pending")
    _ok(client, setting, body["mandate_reference"])
