"""``/account/reset``: the person spends a one-time reset code on their own device,
then ``/account/reset/new`` sets the new password (or confirms the second factor's
removal).

The code never travels in a URL the server sees. The clerk's link carries the login
name and code in the fragment (``/account/reset#login=...&code=...``), which a browser
never sends, so no access log, proxy or Referer header holds it; ``reset.js`` copies
it into the form and removes it from the address bar and history. The form is POSTed
(CSRF-protected). Once the code checks out, the page keeps only the code's row id in
the signed session cookie, and the code is spent by the second form, atomically: two
browsers holding the same code cannot both use it.

Errors are readable and never say whether an account exists: "wrong" for an unknown
name as for a wrong code; "used" and "expired" only to whoever holds the right code.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from idp import account_reset, reset_codes, reset_entry
from idp.errors import (
    InvalidAccountData,
    ResetCodeRejected,
    ThrottleUnavailable,
    TooManyAttempts,
)
from idp.models.accounts import Account
from idp.page_guard import guard
from idp.pages.waits import duration, wait_message
from idp.routes import bind

if TYPE_CHECKING:
    from idp.services import IdpServices

KEEP_KEY = "idp_reset"


def _messages() -> dict[str, str]:
    return {"wrong": _("The code is wrong, or it is not for this account. Check both "
                       "and try again."),
            "used": _("This code was already used or replaced by a newer one. Ask for a "
                      "new code."),
            "expired": _("This code has expired (codes work for 15 minutes). Ask for a "
                         "new code.")}


def form(services: IdpServices):
    return _form()


def _form(error: str | None = None, status: int = 200, login: str = "", headers=None):
    return render_template("idp/reset.html", error=error, login=login), status, headers or {}


def submit(services: IdpServices):
    login, code = request.form.get("login", "").strip(), request.form.get("code", "")
    gate = reset_entry.throttle(services.throttle_store)
    try:
        account, row = reset_entry.check_entry(
            services.session(), gate, services.second_factor_keys.reset, login, code,
            request.remote_addr)
    except TooManyAttempts as exc:
        return _form(wait_message(exc.retry_after), 429, login,
                     {"Retry-After": str(exc.retry_after)})
    except ThrottleUnavailable as exc:
        return _form(_("Please try again in %(wait)s.", wait=duration(exc.retry_after)),
                     503, login, {"Retry-After": str(exc.retry_after)})
    except ResetCodeRejected as exc:
        return _form(_messages()[exc.reason], 400, login)
    session[KEEP_KEY] = {"code_id": row.id, "account_id": account.id,
                         "until": int(row.expires_at.timestamp())}
    return redirect(url_for(".new_password"), 303)


def _kept(services: IdpServices):
    """(account, live code row) the browser checked; raises ResetCodeRejected."""
    kept = session.get(KEEP_KEY)
    if not kept or kept.get("until", 0) < time.time():
        session.pop(KEEP_KEY, None)
        raise ResetCodeRejected("expired" if kept else "wrong")
    row = reset_codes.get_live(services.session(), int(kept["code_id"]),
                               int(kept["account_id"]))
    return services.session().get(Account, row.account_id), row


def new_password(services: IdpServices):
    try:
        account, row = _kept(services)
    except ResetCodeRejected as exc:
        return _lost(exc)
    return _new_form(account, row)


def _new_form(account: Account, row, error: str | None = None, status: int = 200):
    return render_template("idp/reset_new.html", me=account, code=row, error=error), status


def _lost(exc: ResetCodeRejected):
    """Back to code entry, saying why (no code kept: start again)."""
    session.pop(KEEP_KEY, None)
    if exc.reason == "wrong":
        return redirect(url_for(".form"), 303)
    return _form(_messages()[exc.reason], 400)


def complete(services: IdpServices):
    try:
        account, row = _kept(services)
    except ResetCodeRejected as exc:
        return _lost(exc)
    password = request.form.get("password", "")
    if row.resets_password and password != request.form.get("password2", ""):
        return _new_form(account, row, _("The two passwords differ."), 400)
    try:
        done = account_reset.complete(services.session(), services.sso, services.denylist,
                                      account, row, password if row.resets_password else None)
    except InvalidAccountData:
        return _new_form(account, row, _("Choose a password of at least 8 characters."), 400)
    except ResetCodeRejected as exc:
        return _lost(exc)
    session.pop(KEEP_KEY, None)
    return render_template("idp/reset_done.html", done=done, login=account.username)


def blueprint(services: IdpServices) -> Blueprint:
    """The ``idp_reset`` blueprint, its views bound to ``services``."""
    bp = guard(Blueprint("idp_reset", __name__, template_folder="../templates"))
    bp.add_url_rule("/account/reset", view_func=bind(form, services), methods=["GET"])
    bp.add_url_rule("/account/reset", view_func=bind(submit, services), methods=["POST"])
    bp.add_url_rule("/account/reset/new", view_func=bind(new_password, services),
                    methods=["GET"])
    bp.add_url_rule("/account/reset/new", view_func=bind(complete, services),
                    methods=["POST"])
    return bp
