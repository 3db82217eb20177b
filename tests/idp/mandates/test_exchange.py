"""代办 over HTTP: the station starts a mandate request for its clerk, the citizen
approves on their phone (or the clerk checks the ID document and the citizen gives
the SMS code), the station exchanges (RFC 8693) for a short token with the citizen
as subject and the clerk as actor; and every way to misuse it is refused."""

from __future__ import annotations

import pytest

from idp import mandates
from tests.idp.device.helpers import signed_in_phone
from tests.idp.mandates.helpers import (
    ISSUER,
    answer,
    approved,
    clerk,
    exchange,
    start,
    station,
    token_for,
    verified,
    village,
)
from tests.idp.protocol.helpers import basic


def test_the_citizen_approves_on_the_phone_and_the_station_gets_a_clerk_token(
        app, client, phone, unique, setting):
    started = start(client, setting["reg"], setting["token"]).get_json()
    assert started["verification_uri_complete"] == \
        f"{ISSUER}/mandate?user_code={started['user_code']}"
    assert started["clerk"] == {"name": "王五", "station": f"石门村服务站 {unique}"}
    pending = exchange(client, setting["reg"], started["mandate_reference"], setting["token"])
    assert pending.status_code == 400 and pending.get_json()["error"] == "authorization_pending"

    citizen = signed_in_phone(app, phone, unique)
    page = phone.get("/mandate", query_string={"user_code": started["user_code"]})
    html = page.get_data(as_text=True)
    assert "王五" in html and f"石门村服务站 {unique}" in html and "申领居住证" in html
    assert answer(phone, started["user_code"], "allow").status_code == 200

    issued = exchange(client, setting["reg"], started["mandate_reference"], setting["token"])
    assert issued.status_code == 200, issued.get_data(as_text=True)
    body = issued.get_json()
    assert body["issued_token_type"] == "urn:ietf:params:oauth:token-type:access_token"
    assert body["token_type"] == "Bearer" and "refresh_token" not in body
    assert 0 < body["expires_in"] <= 900
    claims = verified(client, body["access_token"])
    assert claims["sub"] == citizen["sub"]
    assert claims["act"] == {"sub": setting["clerk"]["sub"], "cn_staff_name": "王五",
                             "cn_station": f"石门村服务站 {unique}",
                             "cn_station_code": setting["hall"]}
    assert claims["cn_mandate"]["method"] == "phone"
    assert claims["cn_mandate"]["matter"] == "申领居住证"
    assert claims["cn_id_number"] == citizen["id_number"]
    assert set(claims["scope"].split()) == {"openid", "identity"}
    assert claims["exp"] - claims["iat"] <= 900

    seen = client.post("/oauth/introspect", data={"token": body["access_token"]},
                       headers=basic(setting["reg"]["client_id"], setting["reg"]["secret"]))
    assert seen.get_json()["active"] is True
    assert seen.get_json()["act"]["sub"] == setting["clerk"]["sub"]
    assert seen.get_json()["cn_mandate"]["method"] == "phone"


def test_discovery_advertises_token_exchange(client):
    meta = client.get("/.well-known/openid-configuration").get_json()
    assert "urn:ietf:params:oauth:grant-type:token-exchange" in meta["grant_types_supported"]


def test_a_citizen_who_denies_gives_nothing(app, client, phone, unique, setting):
    started = start(client, setting["reg"], setting["token"]).get_json()
    signed_in_phone(app, phone, unique)
    assert answer(phone, started["user_code"], "deny").status_code == 200
    refused = exchange(client, setting["reg"], started["mandate_reference"], setting["token"])
    assert refused.status_code == 400 and refused.get_json()["error"] == "access_denied"


def test_a_clerk_without_loa2_is_refused(app, client, unique, setting):
    weak = token_for(app, setting["clerk"], setting["reg"], acr="loa-1")
    refused = start(client, setting["reg"], weak)
    assert refused.status_code == 400 and refused.get_json()["error"] == "invalid_request"
    assert "loa-2" in refused.get_json()["error_description"]


def test_a_clerk_without_loa2_cannot_exchange(app, client, phone, unique, setting):
    started, _ = approved(app, client, phone, unique, setting)
    weak = token_for(app, setting["clerk"], setting["reg"], acr=None)
    refused = exchange(client, setting["reg"], started["mandate_reference"], weak)
    assert refused.status_code == 400 and refused.get_json()["error"] == "invalid_request"


@pytest.mark.parametrize("role", ["hall-admin", "other-hall-clerk"])
def test_staff_who_are_not_clerks_of_this_station_are_refused(app, client, unique, setting,
                                                              role):
    if role == "hall-admin":
        someone = clerk(app, setting["hall"], name="赵六", role="hall-admin")
    else:
        someone = clerk(app, village(app, unique + "x"), name="赵六")
    refused = start(client, setting["reg"], token_for(app, someone, setting["reg"]))
    assert refused.status_code == 400 and refused.get_json()["error"] == "invalid_request"
    assert "clerk" in refused.get_json()["error_description"]


def test_a_citizen_cannot_be_the_actor(app, client, unique, setting):
    from tests.idp.accounts.factories import make_person

    person = make_person(app, unique + "c")
    refused = start(client, setting["reg"], token_for(app, person, setting["reg"]))
    assert refused.get_json()["error"] == "invalid_request"


def test_another_clerk_cannot_use_the_mandate(app, client, phone, unique, setting):
    started, _ = approved(app, client, phone, unique, setting)
    other = clerk(app, setting["hall"], name="钱七")
    refused = exchange(client, setting["reg"], started["mandate_reference"],
                       token_for(app, other, setting["reg"]))
    assert refused.status_code == 400 and refused.get_json()["error"] == "invalid_request"
    assert "not the clerk" in refused.get_json()["error_description"]


def test_another_clients_mandate_reference_is_refused(app, client, phone, unique, setting):
    started, _ = approved(app, client, phone, unique, setting)
    other = station(app, unique, setting["hall"])
    refused = exchange(client, other, started["mandate_reference"],
                       token_for(app, setting["clerk"], other))
    assert refused.status_code == 400 and refused.get_json()["error"] == "invalid_request"
    made_up = exchange(client, setting["reg"], "x" * 43, setting["token"])
    assert made_up.get_json()["error"] == "invalid_request"


def test_a_clerk_token_issued_to_another_client_is_refused(app, client, phone, unique,
                                                           setting):
    started, _ = approved(app, client, phone, unique, setting)
    other = station(app, unique, setting["hall"])
    foreign = token_for(app, setting["clerk"], other)
    refused = exchange(client, setting["reg"], started["mandate_reference"], foreign)
    assert refused.get_json()["error"] == "invalid_request"


def test_more_scope_than_agreed_is_invalid_scope(app, client, phone, unique, setting):
    started, _ = approved(app, client, phone, unique, setting, scope="openid")
    refused = exchange(client, setting["reg"], started["mandate_reference"], setting["token"],
                       scope="openid identity")
    assert refused.status_code == 400 and refused.get_json()["error"] == "invalid_scope"
    fewer = exchange(client, setting["reg"], started["mandate_reference"], setting["token"],
                     scope="openid")
    assert fewer.status_code == 200


def test_a_station_cannot_ask_for_scopes_it_was_not_given(client, setting):
    refused = start(client, setting["reg"], setting["token"], scope="openid email")
    assert refused.get_json()["error"] == "invalid_scope"


def test_an_expired_mandate_is_refused(app, client, phone, unique, setting, clock):
    started, _ = approved(app, client, phone, unique, setting, expires_in=600)
    clock.advance(601)
    refused = exchange(client, setting["reg"], started["mandate_reference"], setting["token"])
    assert refused.status_code == 400 and refused.get_json()["error"] == "invalid_request"
    assert "expired" in refused.get_json()["error_description"]


def test_ending_refuses_exchange_and_denies_issued_tokens(app, client, phone, unique, setting):
    from tests.idp.accounts.factories import csrf

    started, citizen = approved(app, client, phone, unique, setting)
    token = exchange(client, setting["reg"], started["mandate_reference"],
                     setting["token"]).get_json()["access_token"]
    account = phone.get("/account").get_data(as_text=True)
    assert "王五" in account and "申领居住证" in account
    public_id = verified(client, token)["cn_mandate"]["id"]
    ended = phone.post("/account/mandates/end",
                       data={"csrf_token": csrf(account), "mandate": public_id})
    assert ended.status_code == 302
    assert "王五" not in phone.get(ended.headers["Location"]).get_data(as_text=True)
    refused = exchange(client, setting["reg"], started["mandate_reference"], setting["token"])
    assert refused.get_json()["error"] == "invalid_request"
    assert "ended" in refused.get_json()["error_description"]
    seen = client.post("/oauth/introspect", data={"token": token},
                       headers=basic(setting["reg"]["client_id"], setting["reg"]["secret"]))
    assert seen.get_json() == {"active": False}
    userinfo = client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {token}"})
    assert userinfo.status_code == 401


def test_ending_without_csrf_or_someone_elses_mandate_is_refused(app, client, phone, unique,
                                                                  setting):
    from tests.idp.accounts.factories import csrf
    from tests.idp.device.conftest import _address

    started, citizen = approved(app, client, phone, unique, setting)
    token = exchange(client, setting["reg"], started["mandate_reference"],
                     setting["token"]).get_json()["access_token"]
    public_id = verified(client, token)["cn_mandate"]["id"]
    assert phone.post("/account/mandates/end", data={"mandate": public_id}).status_code == 400
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = _address()
    signed_in_phone(app, stranger, unique + "z")
    page = stranger.get("/account").get_data(as_text=True)
    assert stranger.post("/account/mandates/end", data={
        "csrf_token": csrf(page), "mandate": public_id}).status_code == 404
    assert exchange(client, setting["reg"], started["mandate_reference"],
                    setting["token"]).status_code == 200


def test_without_a_phone_the_clerk_checks_the_document_and_the_sms_code(
        app, client, unique, setting, monkeypatch):
    from idp import accounts
    from tests.idp.accounts.factories import make_person

    sent = []
    monkeypatch.setattr(app.idp_services.sender, "send", sent.append)
    citizen = make_person(app, unique + "d")
    with app.idp_services.work() as session:
        accounts.get_by_sub(session, citizen["sub"]).phone_verified = True
    unchecked = start(client, setting["reg"], setting["token"], method="id_document",
                      id_number=citizen["id_number"])
    assert unchecked.get_json()["error"] == "invalid_request" and not sent
    started = start(client, setting["reg"], setting["token"], method="id_document",
                    id_number=citizen["id_number"], id_document_checked="true")
    assert started.status_code == 200, started.get_data(as_text=True)
    body = started.get_json()
    assert "user_code" not in body and body["sent_to"].endswith(citizen["phone"][-4:])
    assert len(sent) == 1 and sent[0].to == citizen["phone"] and "王五" in sent[0].text
    code = next(word for word in sent[0].text.split() if word.isdigit() and len(word) == 6)
    assert code not in started.get_data(as_text=True)

    confirm = "/oauth/mandates/confirm"
    auth = basic(setting["reg"]["client_id"], setting["reg"]["secret"])
    wrong = client.post(confirm, headers=auth, data={
        "mandate_reference": body["mandate_reference"],
        "one_time_code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 400 and wrong.get_json()["error"] == "invalid_grant"
    right = client.post(confirm, headers=auth, data={
        "mandate_reference": body["mandate_reference"], "one_time_code": code})
    assert right.status_code == 200 and right.get_json()["status"] == "active"

    issued = exchange(client, setting["reg"], body["mandate_reference"], setting["token"])
    claims = verified(client, issued.get_json()["access_token"])
    assert claims["sub"] == citizen["sub"]
    assert claims["cn_mandate"]["method"] == mandates.ID_DOCUMENT
    assert claims["acr"] == "loa-1"


def test_one_time_code_guesses_are_limited(app, client, unique, setting, monkeypatch):
    from idp import accounts
    from tests.idp.accounts.factories import make_person

    sent = []
    monkeypatch.setattr(app.idp_services.sender, "send", sent.append)
    citizen = make_person(app, unique + "g")
    with app.idp_services.work() as session:
        accounts.get_by_sub(session, citizen["sub"]).phone_verified = True
    body = start(client, setting["reg"], setting["token"], method="id_document",
                 id_number=citizen["id_number"], id_document_checked="true").get_json()
    code = next(word for word in sent[0].text.split() if word.isdigit() and len(word) == 6)
    auth = basic(setting["reg"]["client_id"], setting["reg"]["secret"])
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(mandates.CODE_ATTEMPTS):
        client.post("/oauth/mandates/confirm", headers=auth, data={
            "mandate_reference": body["mandate_reference"], "one_time_code": wrong})
    late = client.post("/oauth/mandates/confirm", headers=auth, data={
        "mandate_reference": body["mandate_reference"], "one_time_code": code})
    assert late.status_code == 400 and late.get_json()["error"] == "invalid_request"


def test_the_pages_speak_chinese_and_english(app, client, phone, unique, setting):
    import re

    from tests.experience.test_languages import english_words

    started = start(client, setting["reg"], setting["token"]).get_json()
    signed_in_phone(app, phone, unique)

    def text(language: str) -> str:
        page = phone.get("/mandate", query_string={"user_code": started["user_code"]},
                         headers={"Accept-Language": language}).get_data(as_text=True)
        body = re.sub(r"^.*?<body[^>]*>|<script.*?</script>", " ", page, flags=re.S)
        body = re.sub(r'<nav class="language".*?</nav>', " ", body, flags=re.S)
        words = re.sub(r"<[^>]+>", " ", body)
        return words.replace(started["user_code"], " ").replace(unique, " ")

    assert english_words(text("zh-CN")) == []
    english = text("en")
    assert "Let a clerk act for you?" in english
    assert sorted(re.findall(r"[\u4e00-\u9fff]+", english)) == sorted(
        ["石门村服务站", "王五", "申领居住证"])  # the data, not the page's words
