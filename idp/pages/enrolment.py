"""``/account/totp/enrol``: scan a QR code, confirm a first code, receive recovery codes.

Replacing an authenticator that is already enrolled needs a loa-2 session.
Confirming proves possession of the new authenticator, so the session is raised
to loa-2 and a login flow waiting for loa-2 continues to its ``next``.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from idp import sso, totp
from idp.errors import InvalidSecondFactor, SecondFactorNotEnrolled
from idp.models.accounts import Account
from idp.page_guard import guard
from idp.pages import context
from idp.redirects import safe_next

bp = guard(Blueprint("idp_enrolment", __name__, template_folder="../templates"))


def _live_for_enrolment() -> tuple[sso.SsoSession | None, str]:
    """The session if it may (re-)enrol, and the URL to log in otherwise."""
    here = url_for(".enrol", next=safe_next(request.values.get("next")))
    live = sso.current_session()
    if live is None:
        return None, sso.login_url(here)
    with context.sessions()() as session:
        enrolled = session.get(Account, live.account_id).has_totp
    if enrolled and live.acr != "loa-2":
        return None, sso.login_url(here, acr="loa-2", force=True)
    return live, here


@bp.get("/account/totp/enrol")
def enrol():
    live, elsewhere = _live_for_enrolment()
    if live is None:
        return redirect(elsewhere)
    with context.sessions().begin() as session:
        me = session.get(Account, live.account_id)
        secret = totp.begin_enrolment(session, me, context.second_factor_keys())
    return _page(secret, None, 200)


def _page(secret: str, error: str | None, status: int):
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return render_template("idp/enrol.html", secret=grouped, error=error,
                           next=safe_next(request.values.get("next")) or ""), status


@bp.get("/account/totp/qr.svg")
def qr_code():
    live = sso.current_session()
    if live is None:
        abort(401)
    with context.sessions()() as session:
        me = session.get(Account, live.account_id)
        secret = totp.pending_secret(me, context.second_factor_keys())
    if secret is None:
        abort(404)
    svg = totp.qr_svg(totp.provisioning_uri(secret, me.username))
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})


@bp.post("/account/totp/enrol")
def confirm():
    live, elsewhere = _live_for_enrolment()
    if live is None:
        return redirect(elsewhere)
    try:
        codes = _confirm(live.account_id, request.form.get("code", ""))
    except SecondFactorNotEnrolled:
        return redirect(url_for(".enrol", next=request.form.get("next") or None))
    except InvalidSecondFactor:
        return _page(_pending_secret(live.account_id),
                     _("The code is wrong. Enter the code your app shows now."), 400)
    sso.reauthenticate(live.sid, amr=["pwd", "otp"], acr="loa-2")
    next_url = safe_next(request.form.get("next")) or url_for("idp_account.account")
    return render_template("idp/recovery_codes.html", codes=codes, next=next_url)


def _confirm(account_id: int, code: str) -> list[str]:
    """Recovery codes once confirmed; raises SecondFactorNotEnrolled or InvalidSecondFactor."""
    with context.sessions().begin() as session:
        me = session.get(Account, account_id)
        return totp.confirm_enrolment(session, me, context.second_factor_keys(), code)


def _pending_secret(account_id: int) -> str:
    with context.sessions()() as session:
        account = session.get(Account, account_id)
        return totp.pending_secret(account, context.second_factor_keys()) or ""
