"""Staff accounts and signed-in console clients for the console's tests.

``staff_client(app, grants)`` makes a staff account holding ``grants``, a live loa-2
SSO session for it, and a Flask test client whose console session points at it (what
a real sign-in leaves behind: tests/admin/console/test_signin.py and the live browser
test check that path).
"""

from __future__ import annotations

import re
import secrets
import time
from datetime import timedelta

from edge.timestamps import utcnow
from idp import accounts, halls, staff
from idp.errors import UnknownHall
from idp.models.sso_sessions import SsoSession

PASSWORD = "long enough password"


def ensure_hall(app, code: str) -> str:
    with app.idp_services.work() as session:
        try:
            halls.get(session, code)
        except UnknownHall:
            halls.add(session, code, f"测试大厅 {code}", "county", "广州市")
    return code


def ensure_department(app, code: str) -> str:
    from credentials import catalogue
    from tests.idp.accounts.factories import uscc

    with app.idp_services.work() as session:
        if catalogue.get_department_or_none(session, code) is None:
            catalogue.add_department(session, code=code, name=f"测试部门 {code}", uscc=uscc())
    return code


def make_staff(app, grants: list[tuple[str, str]], *, name: str = "测试员工",
               with_totp: bool = False) -> dict:
    """A staff account holding ``grants`` ((role, scope) pairs), with an enrolled
    authenticator when ``with_totp``; returns sub, username, id (and totp_secret)."""
    username = "st" + secrets.token_hex(5)
    with app.idp_services.work() as session:
        account = accounts.create_staff(session, accounts.NewAccount(
            username=username, password=PASSWORD, display_name=name))
        for role, scope in grants:
            staff.grant(session, account, staff.Grant(role, scope), "test")
        facts = {"sub": account.sub, "username": username, "id": account.id}
        if with_totp:
            facts["totp_secret"] = _enrol_totp(app, session, account)
        return facts


def _enrol_totp(app, session, account) -> str:
    import pyotp

    from idp import totp

    keys = app.idp_services.second_factor_keys
    secret = totp.begin_enrolment(session, account, keys)
    # Confirmed with the previous step's code, so the current one is still unused.
    totp.confirm_enrolment(session, account, keys, pyotp.TOTP(secret).at(time.time() - 30),
                           now=time.time() - 30)
    return secret


def live_sso_session(app, account_id: int, acr: str = "loa-2") -> str:
    now = utcnow()
    sid = secrets.token_urlsafe(24)
    with app.idp_services.work() as session:
        session.add(SsoSession(sid=sid, account_id=account_id, auth_time=now, acr=acr,
                               amr=["pwd", "otp"], created_at=now,
                               expires_at=now + timedelta(hours=8)))
    return sid


def signed_in(client, sub: str, sid: str, *, started: int | None = None,
              seen: int | None = None) -> None:
    """Give ``client`` a console session for ``sub`` in SSO session ``sid``."""
    now = int(time.time())
    with client.session_transaction() as flask_session:
        flask_session["console"] = {"sub": sub, "sid": sid, "started": started or now,
                                    "seen": seen or now, "hint": "hint"}


def staff_client(app, grants: list[tuple[str, str]]):
    """(test client signed in to the console, the staff member's dict with ``sid``)."""
    member = make_staff(app, grants)
    member["sid"] = live_sso_session(app, member["id"])
    client = app.test_client()
    signed_in(client, member["sub"], member["sid"])
    return client, member


def csrf_token(client, path: str = "/admin/") -> str:
    """The CSRF token of ``client``'s session, read from a console page's form."""
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF token on " + path
    return found.group(1)


def audit_entries(app, action: str, subject: str | None = None) -> list:
    from sqlalchemy import select

    from audit.models import AuditEntry

    with app.services.unit_of_work.scope():
        query = select(AuditEntry).where(AuditEntry.action == action)
        if subject is not None:
            query = query.where(AuditEntry.subject == subject)
        return list(app.services.unit_of_work.session().scalars(query))
