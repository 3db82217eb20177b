"""A lost authenticator: the clerk issues a second-factor reset; the old seed and
recovery codes go at redemption, after which loa-2 needs a new enrolment."""

from __future__ import annotations

from tests.idp.accounts.factories import login, make_person
from tests.idp.recovery.helpers import (
    NEW_PASSWORD,
    audit_entries,
    enter_code,
    issue,
    other_client,
    set_password,
)


def _account(app, account_id):
    from idp import recovery_codes
    from idp.models.accounts import Account

    with app.services.sessions() as session:
        account = session.get(Account, account_id)
        return account.has_totp, recovery_codes.remaining(session, account)


def _remove(client):
    from tests.idp.accounts.factories import csrf

    page = client.get("/account/reset/new")
    assert page.status_code == 200 and 'name="password"' not in page.get_data(as_text=True)
    return client.post("/account/reset/new",
                       data={"csrf_token": csrf(page.get_data(as_text=True))})


def test_totp_reset_removes_the_factor_at_redemption_then_loa2_needs_enrolment(app, client,
                                                                             unique):
    person = make_person(app, unique, with_totp=True)
    issued = issue(app, person["id_number"], command="reset-totp")
    assert (issued["password"], issued["totp"]) == (False, True)
    assert _account(app, person["id"]) == (True, 10)  # issuing alone removes nothing

    assert enter_code(client, person["username"], issued["code"]).status_code == 303
    done = _remove(client)
    assert done.status_code == 200
    assert _account(app, person["id"]) == (False, 0)
    entry = audit_entries(app, person["sub"], "account.reset_completed")[-1]
    assert (entry.data["password"], entry.data["totp"]) == (False, True)

    browser = other_client(app)
    response = login(browser, person["username"], acr="loa-2", next="/account")
    assert response.status_code == 403
    assert "/account/totp/enrol" in response.get_data(as_text=True)
    # The old recovery codes are gone with the seed.
    assert login(other_client(app), person["username"]).status_code == 302


def test_password_and_totp_together(app, client, unique):
    person = make_person(app, unique, with_totp=True)
    issued = issue(app, person["id_number"], "--totp")
    assert (issued["password"], issued["totp"]) == (True, True)
    assert enter_code(client, person["username"], issued["code"]).status_code == 303
    assert set_password(client).status_code == 200
    assert _account(app, person["id"]) == (False, 0)
    assert login(other_client(app), person["username"], NEW_PASSWORD).status_code == 302
