"""The console session: who signed in, kept in the Flask session (signed cookie) and
checked against the server on every request.

What the cookie holds is only a pointer: the staff member's ``sub``, the provider's
SSO session ``sid`` named in the ID token, and two times. Each request (``load``):

- ends a session idle longer than ``CONSOLE_IDLE_TIMEOUT`` or older than
  ``CONSOLE_SESSION_MAX`` (absolute);
- asks the provider whether that SSO session is still live and at loa-2 (not logged
  out, not expired, the account not locked): logging out at the provider, an
  operator locking the account or ending its sessions ends the console session
  too, server-side, whatever a copied cookie says;
- reloads the member's roles: a revoked role stops working at the next request,
  and a member left with none is signed out.

Sign-in replaces the whole Flask session (``begin``): nothing a visitor had before,
CSRF token included, survives into the signed-in session (no session fixation).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from flask import session

from admin.console.principal import StaffMember
from idp import accounts, staff

if TYPE_CHECKING:
    from admin.console.services import ConsoleServices

KEY = "console"
#: Kept across sign-in: the chosen page language (idp.i18n).
KEPT = ("ui_locale",)


def _fresh() -> None:
    """Empty the Flask session but for the language choice."""
    kept = {k: session[k] for k in KEPT if k in session}
    session.clear()
    session.update(kept)


def begin(sub: str, sid: str, id_token: str) -> None:
    """Start a console session for ``sub`` in SSO session ``sid`` (a fresh Flask
    session: see the module docstring). ``id_token`` is kept as the logout hint."""
    _fresh()
    now = int(time.time())
    session[KEY] = {"sub": sub, "sid": sid, "started": now, "seen": now, "hint": id_token}


def end() -> dict | None:
    """Forget the console session; returns what it held (for the logout hint)."""
    return session.pop(KEY, None)


def sign_out() -> dict | None:
    """End the console session and empty the Flask session (its CSRF token too);
    returns what the console session held."""
    ended = end()
    _fresh()
    return ended


def load(services: ConsoleServices) -> StaffMember | None:
    """The signed-in member, or None (never signed in, timed out, the SSO session
    over, or no role left: the stale session is forgotten)."""
    data = session.get(KEY)
    if not data:
        return None
    member = _still_valid(services, data, int(time.time()))
    if member is None:
        end()
        return None
    data["seen"] = int(time.time())
    session.modified = True
    return member


def _still_valid(services: ConsoleServices, data: dict, now: int) -> StaffMember | None:
    settings = services.settings
    if now - data.get("seen", 0) > settings.idle_timeout:
        return None
    if now - data.get("started", 0) > settings.session_max:
        return None
    live = services.idp.sso.load_session(str(data.get("sid", "")))
    if live is None or live.sub != data.get("sub") or live.acr != "loa-2":
        return None
    return member_of(services, live.sub)


def member_of(services: ConsoleServices, sub: str) -> StaffMember | None:
    """The staff member ``sub`` with their current grants; None unless a staff account
    holding at least one role."""
    db = services.session()
    account = accounts.get_by_sub(db, sub)
    if account is None or account.kind != "staff" or account.locked:
        return None
    grants = tuple(staff.grants_of(db, account))
    if not grants:
        return None
    return StaffMember(sub=account.sub, username=account.username,
                       name=account.display_name, grants=grants)


def logout_hint() -> str | None:
    data = session.get(KEY) or {}
    return data.get("hint")
