"""A clerk issues a one-time password reset at the counter; the person spends it on
their own device (CLI + pages, in-process)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.idp.accounts.factories import PASSWORD, login, make_person
from tests.idp.recovery.helpers import (
    NEW_PASSWORD,
    audit_entries,
    cli,
    enter_code,
    error_text,
    fragment,
    issue,
    other_client,
    set_password,
)


def test_issue_requires_the_id_document_check(app, unique):
    person = make_person(app, unique)
    result = cli(app, "accounts", "reset-password", person["id_number"], "--json")
    assert result.exit_code == 2 and "--id-checked" in result.output
    assert audit_entries(app, person["sub"], "operator.account.reset_issued") == []


def test_identifier_must_be_a_valid_id_number_or_credit_code(app, unique):
    person = make_person(app, unique)
    broken = person["id_number"][:-1] + ("0" if person["id_number"][-1] != "0" else "1")
    for identifier in (broken, person["username"], "91440106MA59C0000X"):
        result = cli(app, "accounts", "reset-password", identifier, "--id-checked")
        assert result.exit_code == 1, (identifier, result.output)
        assert "GB 11643" in result.output or "no account" in result.output
        assert "Traceback" not in result.output


def test_staff_accounts_are_not_reset_at_the_counter(app, unique):
    from idp import counter
    from idp.accounts import NewAccount, create_staff
    from idp.errors import NotRecoverableAtCounter
    from idp.models.accounts import Account
    from idp.recovery_audit import Actor
    from tests.idp.accounts.factories import citizen_id

    with app.app_context(), app.services.sessions.begin() as session:
        staff = create_staff(session, NewAccount(username=f"op{unique}", password=PASSWORD,
                                                 display_name="管理员"))
        staff.id_number = citizen_id()
        session.flush()
        identifier = staff.id_number
    try:
        with app.app_context(), app.services.sessions.begin() as session:
            counter.find_person(session, identifier)
        raise AssertionError("staff found at the counter")
    except NotRecoverableAtCounter:
        pass
    with app.app_context(), app.services.sessions.begin() as session:
        account = session.scalar(select(Account).where(Account.id_number == identifier))
        try:
            counter.issue_reset(session, b"k" * 32, "http://localhost", account,
                                Actor(ref="operator:x", name="x"), id_checked=True,
                                password=True, totp=False)
            raise AssertionError("staff reset issued")
        except NotRecoverableAtCounter:
            pass


def test_clerk_reset_sets_a_new_password_once_and_is_audited(app, client, unique):
    person = make_person(app, unique)
    issued = issue(app, person["id_number"])
    assert issued["sub"] == person["sub"] and issued["password"] and not issued["totp"]
    assert fragment(issued["link"]) == {"login": person["username"], "code": issued["code"]}
    assert "?" not in issued["link"]  # nothing in the query: a fragment never reaches a log
    entry = audit_entries(app, person["sub"], "operator.account.reset_issued")[-1]
    assert entry.actor == "operator:王五"
    assert entry.data["id_document_checked"] is True
    assert (entry.data["by"], entry.data["hall"]) == ("王五", "天河区政务服务中心")
    assert issued["code"] not in str(entry.data)

    response = enter_code(client, person["username"], issued["code"])
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account/reset/new")
    assert set_password(client, "short", "short").status_code == 400
    assert set_password(client, NEW_PASSWORD, NEW_PASSWORD + "x").status_code == 400
    done = set_password(client)
    assert done.status_code == 200 and "logged out everywhere" in done.get_data(as_text=True)

    assert login(other_client(app), person["username"]).status_code == 401
    assert login(other_client(app), person["username"], NEW_PASSWORD).status_code == 302
    completed = audit_entries(app, person["sub"], "account.reset_completed")[-1]
    assert completed.actor == f"person:{person['sub']}" and completed.data["password"] is True

    again = enter_code(other_client(app), person["username"], issued["code"])
    assert again.status_code == 400 and "already used" in error_text(again)


def test_the_password_hash_is_argon2id_and_the_code_is_stored_as_a_keyed_hash(app, client,
                                                                                unique):
    from idp.models.accounts import Account
    from idp.models.reset_codes import ResetCode

    person = make_person(app, unique)
    issued = issue(app, person["id_number"])
    with app.services.sessions() as session:
        row = session.scalars(select(ResetCode).where(
            ResetCode.account_id == person["id"])).one()
        assert issued["code"] not in row.code_hash and len(row.code_hash) == 64
    enter_code(client, person["username"], issued["code"])
    set_password(client)
    with app.services.sessions() as session:
        assert session.get(Account, person["id"]).password_hash.startswith("$argon2id$")


def test_a_new_code_voids_the_previous_one(app, client, unique):
    person = make_person(app, unique)
    first = issue(app, person["id_number"])
    second = issue(app, person["id_number"])
    stale = enter_code(client, person["username"], first["code"])
    assert stale.status_code == 400 and "replaced by a newer one" in error_text(stale)
    assert enter_code(client, person["username"], second["code"]).status_code == 303


def test_an_expired_code_is_refused_readably(app, client, unique):
    from edge.timestamps import utcnow
    from idp import counter
    from idp.models.accounts import Account
    from idp.recovery_audit import Actor
    from tests.idp.services import idp_services

    person = make_person(app, unique)
    services = idp_services(app)
    # Issued 16 minutes ago by the clock the function is given: no sleeping.
    with app.app_context(), app.services.sessions.begin() as session:
        account = session.get(Account, person["id"])
        issued = counter.issue_reset(session, services.second_factor_keys.reset,
                                     services.issuer, account,
                                     Actor(ref="operator:test", name="测试"),
                                     id_checked=True, password=True, totp=False,
                                     now=utcnow() - timedelta(minutes=16))
    response = enter_code(client, person["username"], issued.code)
    assert response.status_code == 400 and "expired" in error_text(response)


def test_a_code_expiring_between_the_two_forms_is_not_spent(app, client, unique):
    from edge.timestamps import utcnow
    from idp.models.reset_codes import ResetCode

    person = make_person(app, unique)
    issued = issue(app, person["id_number"])
    assert enter_code(client, person["username"], issued["code"]).status_code == 303
    with app.services.sessions.begin() as session:
        row = session.scalars(select(ResetCode).where(
            ResetCode.account_id == person["id"])).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
    response = client.get("/account/reset/new")
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    assert login(other_client(app), person["username"]).status_code == 302


def test_a_code_for_one_account_does_not_work_on_another(app, client, unique):
    alice, bob = make_person(app, unique + "a"), make_person(app, unique + "b")
    issued = issue(app, alice["id_number"])
    response = enter_code(client, bob["username"], issued["code"])
    assert response.status_code == 400 and "not for this account" in error_text(response)
    unknown = enter_code(client, f"nobody{unique}", issued["code"])
    assert unknown.status_code == 400 and error_text(unknown) == error_text(response)
    assert login(other_client(app), bob["username"]).status_code == 302


def test_wrong_codes_are_throttled_before_they_are_checked(app, client, unique):
    person = make_person(app, unique)
    issued = issue(app, person["id_number"])
    statuses = [enter_code(client, person["username"], f"{n:05d}-wrong").status_code
                for n in range(5)]
    assert statuses == [400] * 5
    refused = enter_code(client, person["username"], issued["code"])
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    # The name's delay holds for every source, known name or not, for a while too.
    elsewhere = enter_code(other_client(app), person["username"], issued["code"])
    assert elsewhere.status_code == 429


def test_the_kept_code_cannot_be_forged_or_replayed_by_a_second_browser(app, client, unique):
    person = make_person(app, unique)
    issued = issue(app, person["id_number"])
    second = other_client(app)
    assert enter_code(client, person["username"], issued["code"]).status_code == 303
    assert enter_code(second, person["username"], issued["code"]).status_code == 303
    assert set_password(client).status_code == 200
    late = second.post("/account/reset/new", data={
        "csrf_token": _token(second), "password": "attacker password",
        "password2": "attacker password"})
    assert late.status_code == 400 and "already used" in late.get_data(as_text=True)
    assert login(other_client(app), person["username"], NEW_PASSWORD).status_code == 302


def _token(client) -> str:
    from tests.idp.accounts.factories import csrf

    return csrf(client.get("/account/reset", query_string={"ui_locales": "en"})
                .get_data(as_text=True))


def test_forms_without_csrf_are_refused_without_a_500(app, client, unique):
    person = make_person(app, unique)
    issued = issue(app, person["id_number"])
    response = client.post("/account/reset", data={"login": person["username"],
                                                   "code": issued["code"]})
    assert response.status_code == 400
    assert client.post("/account/reset/new", data={"password": "x"}).status_code == 400
    assert client.get("/account/reset/new").status_code == 303  # nothing kept: start over


def test_setting_a_password_without_a_checked_code_changes_nothing(app, client, unique):
    person = make_person(app, unique)
    issue(app, person["id_number"])
    response = client.post("/account/reset/new", data={
        "csrf_token": _token(client), "password": "attacker password",
        "password2": "attacker password"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/account/reset")
    assert login(other_client(app), person["username"]).status_code == 302


def test_a_locked_account_stays_locked_after_a_reset(app, client, unique):
    person = make_person(app, unique)
    issued = issue(app, person["id_number"])
    assert cli(app, "users", "lock", person["sub"]).exit_code == 0
    assert enter_code(client, person["username"], issued["code"]).status_code == 303
    assert set_password(client).status_code == 200
    assert login(other_client(app), person["username"], NEW_PASSWORD).status_code == 403


def test_an_unregistered_hall_is_refused(app, unique):
    person = make_person(app, unique)
    result = cli(app, "accounts", "reset-password", person["id_number"], "--id-checked",
                 "--hall", "no-such-hall")
    assert result.exit_code == 1 and "no hall 'no-such-hall'" in result.output
    assert audit_entries(app, person["sub"], "operator.account.reset_issued") == []


def _enterprise(app, unique) -> dict:
    from idp import accounts
    from idp.accounts import NewAccount
    from tests.idp.accounts.factories import uscc

    with app.idp_services.work() as session:
        found = accounts.create_enterprise(session, NewAccount(
            username=f"e{unique}", password="", display_name="广州某某有限公司", uscc=uscc()))
        return {"id": found.id, "sub": found.sub, "uscc": found.uscc}


def test_an_enterprise_is_found_by_credit_code_but_has_nothing_to_reset(app, unique):
    enterprise = _enterprise(app, unique)
    result = cli(app, "accounts", "reset-password", enterprise["uscc"], "--id-checked")
    assert result.exit_code == 1 and "representative" in result.output
    listed = cli(app, "accounts", "sessions", enterprise["uscc"], "--json")
    assert listed.exit_code == 0 and listed.output.strip() == "[]"
    assert audit_entries(app, enterprise["sub"], "operator.account.reset_issued") == []
