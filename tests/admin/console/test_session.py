"""The console session ends server-side: idle and absolute timeouts, the provider's
SSO session over or not at loa-2, the account locked, its last role revoked."""

from __future__ import annotations

import time

from idp import accounts, staff
from idp.staff import PLATFORM_ADMIN
from tests.admin.console.helpers import (
    live_sso_session,
    make_staff,
    signed_in,
    staff_client,
)


def _signed_out(client) -> bool:
    answer = client.get("/admin/")
    return answer.status_code == 302 and answer.headers["Location"].startswith("/admin/login")


def test_idle_timeout(app):
    member = make_staff(app, [(PLATFORM_ADMIN, "")])
    client = app.test_client()
    idle = app.console_services.settings.idle_timeout
    signed_in(client, member["sub"], live_sso_session(app, member["id"]),
              seen=int(time.time()) - idle - 5)
    assert _signed_out(client)
    with client.session_transaction() as flask_session:
        assert "console" not in flask_session  # forgotten, not only refused


def test_absolute_timeout_even_when_active(app):
    member = make_staff(app, [(PLATFORM_ADMIN, "")])
    client = app.test_client()
    longest = app.console_services.settings.session_max
    signed_in(client, member["sub"], live_sso_session(app, member["id"]),
              started=int(time.time()) - longest - 5)
    assert _signed_out(client)


def test_each_request_refreshes_the_idle_clock(app):
    client, _ = staff_client(app, [(PLATFORM_ADMIN, "")])
    with client.session_transaction() as flask_session:
        data = flask_session["console"]
        data["seen"] -= 60
        flask_session["console"] = data
    before = data["seen"]
    assert client.get("/admin/").status_code == 200
    with client.session_transaction() as flask_session:
        assert flask_session["console"]["seen"] > before


def test_provider_logout_ends_the_console_session(app):
    client, member = staff_client(app, [(PLATFORM_ADMIN, "")])
    assert client.get("/admin/").status_code == 200
    with app.test_request_context(), app.idp_services.work():
        app.idp_services.sso.end_session(member["sid"])
    assert _signed_out(client)


def test_loa1_sso_session_is_not_enough(app):
    member = make_staff(app, [(PLATFORM_ADMIN, "")])
    client = app.test_client()
    signed_in(client, member["sub"], live_sso_session(app, member["id"], acr="loa-1"))
    assert _signed_out(client)


def test_someone_elses_sso_session_is_refused(app):
    mine = make_staff(app, [(PLATFORM_ADMIN, "")])
    theirs = make_staff(app, [(PLATFORM_ADMIN, "")])
    client = app.test_client()
    signed_in(client, mine["sub"], live_sso_session(app, theirs["id"]))
    assert _signed_out(client)


def test_locked_account_and_revoked_role_end_it_at_the_next_request(app):
    client, member = staff_client(app, [(PLATFORM_ADMIN, "")])
    assert client.get("/admin/").status_code == 200
    with app.idp_services.work() as session:
        staff.revoke(session, accounts.get_by_sub(session, member["sub"]),
                     staff.Grant(PLATFORM_ADMIN))
    assert _signed_out(client)
    client, member = staff_client(app, [(PLATFORM_ADMIN, "")])
    with app.idp_services.work() as session:
        accounts.lock(session, accounts.get_by_sub(session, member["sub"]), "test")
    assert _signed_out(client)


def test_logout_needs_csrf_and_ends_both_sessions(app):
    from tests.admin.console.helpers import audit_entries, csrf_token

    client, member = staff_client(app, [(PLATFORM_ADMIN, "")])
    assert client.post("/admin/logout").status_code == 400  # no CSRF token
    assert client.get("/admin/").status_code == 200  # still signed in
    answer = client.post("/admin/logout", data={"csrf_token": csrf_token(client)})
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith("http://localhost/oauth/logout?")
    assert "id_token_hint=" in location and "post_logout_redirect_uri=" in location
    assert _signed_out(client)
    assert len(audit_entries(app, "console.sign_out", member["sub"])) == 1
