"""Self-service reset by a verified phone or email (``/account/forgot``): one answer for
every name, rate limits per name and per address, one-time eight-digit codes."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select, update

from tests.idp.accounts.factories import csrf, login, make_person
from tests.idp.recovery import outbox
from tests.idp.recovery.helpers import (
    NEW_PASSWORD,
    audit_entries,
    enter_code,
    error_text,
    other_client,
    set_password,
)


@pytest.fixture
def app(migrated, tmp_path):
    from admin.app import create_app
    from tests.conftest import test_settings

    application = create_app(test_settings(migrated,
                                           SENDER="tests.idp.recovery.outbox:factory"),
                             instance_path=tmp_path)
    yield application
    application.services.engine.dispose()


def _verified(app, person, phone=False, email=False):
    from idp.models.accounts import Account

    with app.services.sessions.begin() as session:
        session.execute(update(Account).where(Account.id == person["id"])
                        .values(phone_verified=phone, email_verified=email))


def _forgot(client, login_text: str):
    page = client.get("/account/forgot", query_string={"ui_locales": "en"})
    return client.post("/account/forgot", data={
        "csrf_token": csrf(page.get_data(as_text=True)), "login": login_text})


def _sent_to(address: str) -> list:
    return [m for m in outbox.SENT if m.to == address]


def _code(message) -> str:
    return re.search(r"\b(\d{8})\b", message.text).group(1)


def test_a_code_to_the_verified_phone_resets_the_password_once(app, client, unique):
    person = make_person(app, unique)
    _verified(app, person, phone=True)
    response = _forgot(client, person["username"])
    assert response.status_code == 200
    [message] = _sent_to(person["phone"])
    assert message.channel == "sms" and len(_code(message)) == 8
    entry = audit_entries(app, person["sub"], "account.reset_code_sent")[-1]
    assert entry.data["channel"] == "sms" and person["phone"] not in str(entry.data)
    assert _code(message) not in str(entry.data)

    assert enter_code(client, person["username"], _code(message)).status_code == 303
    assert set_password(client).status_code == 200
    assert login(other_client(app), person["username"], NEW_PASSWORD).status_code == 302
    reused = enter_code(other_client(app), person["username"], _code(message))
    assert reused.status_code == 400 and "already used" in error_text(reused)


def test_email_is_used_when_only_it_is_verified(app, client, unique):
    person = make_person(app, unique)
    _verified(app, person, email=True)
    assert _forgot(client, person["id_number"]).status_code == 200
    [message] = _sent_to(f"p{unique}@example.cn")
    assert message.channel == "email"
    assert not _sent_to(person["phone"])


def _normalised(response, login_text: str) -> str:
    html = response.get_data(as_text=True)
    html = re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value=""', html)
    return html.replace(login_text, "LOGIN")


def test_the_answer_is_the_same_for_every_kind_of_name(app, unique):
    verified, unverified = make_person(app, unique + "v"), make_person(app, unique + "u")
    _verified(app, verified, phone=True)
    names = [verified["username"], unverified["username"], f"nobody{unique}",
             "11010519491231002X"]
    answers = [_forgot(other_client(app), name) for name in names]
    assert {r.status_code for r in answers} == {200}
    bodies = {_normalised(r, name) for r, name in zip(answers, names, strict=True)}
    assert len(bodies) == 1
    body = bodies.pop()
    assert "service hall" in body and "verified mobile number or email" in body
    assert len(_sent_to(verified["phone"])) == 1 and not _sent_to(unverified["phone"])


def test_locked_accounts_get_no_code(app, client, unique):
    from idp.models.accounts import Account

    person = make_person(app, unique)
    _verified(app, person, phone=True)
    with app.services.sessions.begin() as session:
        session.execute(update(Account).where(Account.id == person["id"]).values(locked=True))
    assert _forgot(client, person["username"]).status_code == 200
    assert not _sent_to(person["phone"])


def test_requests_are_limited_per_name_whether_or_not_it_exists(app, unique):
    person = make_person(app, unique)
    _verified(app, person, phone=True)
    for name in (person["username"], f"ghost{unique}"):
        statuses = [_forgot(other_client(app), name).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429], name
    assert len(_sent_to(person["phone"])) == 3
    # Another spelling of the same identifier shares the budget.
    assert _forgot(other_client(app), person["username"].upper()).status_code == 429


def test_requests_are_limited_per_source_address(app, unique):
    from idp.self_service import PER_ADDRESS

    kiosk = other_client(app)
    statuses = [_forgot(kiosk, f"n{i}{unique}").status_code for i in range(PER_ADDRESS + 1)]
    assert statuses == [200] * PER_ADDRESS + [429]


def test_a_new_message_code_voids_the_previous_one(app, client, unique):
    person = make_person(app, unique)
    _verified(app, person, phone=True)
    _forgot(client, person["username"])
    _forgot(client, person["username"])
    first, second = _sent_to(person["phone"])
    stale = enter_code(client, person["username"], _code(first))
    assert stale.status_code == 400 and "replaced by a newer one" in error_text(stale)
    assert enter_code(client, person["username"], _code(second)).status_code == 303


def test_a_message_code_guessed_on_another_name_fails(app, client, unique):
    alice, bob = make_person(app, unique + "a"), make_person(app, unique + "b")
    _verified(app, alice, phone=True)
    _forgot(client, alice["username"])
    [message] = _sent_to(alice["phone"])
    response = enter_code(client, bob["username"], _code(message))
    assert response.status_code == 400 and "not for this account" in error_text(response)


def test_an_empty_name_is_a_readable_error(app, client):
    response = _forgot(client, "   ")
    assert response.status_code == 400 and "Enter your username" in error_text(response)


def test_a_failing_sender_changes_nothing_the_visitor_sees(app, unique, monkeypatch):
    from idp.models.reset_codes import ResetCode

    def broken(message):
        raise ConnectionError("gateway down")

    person = make_person(app, unique)
    _verified(app, person, phone=True)
    monkeypatch.setattr(app.idp_services.sender, "send", broken)
    failing = _forgot(other_client(app), person["username"])
    unknown = _forgot(other_client(app), f"nobody{unique}")
    assert failing.status_code == unknown.status_code == 200
    assert _normalised(failing, person["username"]) == _normalised(unknown, f"nobody{unique}")
    with app.services.sessions() as session:
        rows = session.scalars(select(ResetCode).where(ResetCode.account_id == person["id"]))
        assert [r.voided_at is not None for r in rows] == [True]


def test_known_and_unknown_names_are_answered_no_sooner_than_the_floor(app, unique):
    from idp.pages.forgot import ANSWER_FLOOR

    person = make_person(app, unique)
    _verified(app, person, phone=True)
    for name in (person["username"], f"nobody{unique}"):
        browser = other_client(app)
        page = browser.get("/account/forgot")
        started = time.monotonic()
        answer = browser.post("/account/forgot", data={
            "csrf_token": csrf(page.get_data(as_text=True)), "login": name})
        assert answer.status_code == 200
        assert time.monotonic() - started >= ANSWER_FLOOR, name
