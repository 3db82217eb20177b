"""``/account/totp/enrol``: scan a QR code, confirm a first code, receive recovery codes.

Replacing an authenticator that is already enrolled needs a loa-2 session.
Confirming proves possession of the new authenticator, so the session is raised
to loa-2 and a login flow waiting for loa-2 continues to its ``next``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from idp import sso, totp
from idp.errors import InvalidSecondFactor, SecondFactorNotEnrolled
from idp.models.accounts import Account
from idp.page_guard import guard
from idp.redirects import safe_next
from idp.routes import bind

if TYPE_CHECKING:
    from idp.services import IdpServices



def _live_for_enrolment(services: IdpServices) -> tuple[sso.SsoSession | None, str]:
    """The session if it may (re-)enrol, and the URL to log in otherwise."""
    here = url_for(".enrol", next=safe_next(request.values.get("next")))
    live = services.sso.current_session()
    if live is None:
        return None, sso.login_url(here)
    enrolled = services.session().get(Account, live.account_id).has_totp
    if enrolled and live.acr != "loa-2":
        return None, sso.login_url(here, acr="loa-2", force=True)
    return live, here


def enrol(services: IdpServices):
    live, elsewhere = _live_for_enrolment(services)
    if live is None:
        return redirect(elsewhere)
    session = services.session()
    me = session.get(Account, live.account_id)
    secret = totp.begin_enrolment(session, me, services.second_factor_keys)
    return _page(secret, None, 200)


def _page(secret: str, error: str | None, status: int):
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return render_template("idp/enrol.html", secret=grouped, error=error,
                           next=safe_next(request.values.get("next")) or ""), status


def qr_code(services: IdpServices):
    live = services.sso.current_session()
    if live is None:
        abort(401)
    me = services.session().get(Account, live.account_id)
    secret = totp.pending_secret(me, services.second_factor_keys)
    if secret is None:
        abort(404)
    svg = totp.qr_svg(totp.provisioning_uri(secret, me.username))
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})


def confirm(services: IdpServices):
    live, elsewhere = _live_for_enrolment(services)
    if live is None:
        return redirect(elsewhere)
    try:
        codes = _confirm(services, live.account_id, request.form.get("code", ""))
    except SecondFactorNotEnrolled:
        return redirect(url_for(".enrol", next=request.form.get("next") or None))
    except InvalidSecondFactor:
        return _page(_pending_secret(services, live.account_id),
                     _("The code is wrong. Enter the code your app shows now."), 400)
    services.sso.reauthenticate(live.sid, amr=["pwd", "otp"], acr="loa-2")
    next_url = safe_next(request.form.get("next")) or url_for("idp_account.account")
    return render_template("idp/recovery_codes.html", codes=codes, next=next_url)


def _confirm(services: IdpServices, account_id: int, code: str) -> list[str]:
    """Recovery codes once confirmed; raises SecondFactorNotEnrolled or InvalidSecondFactor."""
    session = services.session()
    me = session.get(Account, account_id)
    return totp.confirm_enrolment(session, me, services.second_factor_keys, code)


def _pending_secret(services: IdpServices, account_id: int) -> str:
    account = services.session().get(Account, account_id)
    return totp.pending_secret(account, services.second_factor_keys) or ""


def blueprint(services: IdpServices) -> Blueprint:
    """The ``idp_enrolment`` blueprint, its views bound to ``services``."""
    bp = guard(Blueprint("idp_enrolment", __name__, template_folder="../templates"))
    bp.add_url_rule("/account/totp/enrol",
                    view_func=bind(enrol, services), methods=["GET"])
    bp.add_url_rule("/account/totp/qr.svg",
                    view_func=bind(qr_code, services), methods=["GET"])
    bp.add_url_rule("/account/totp/enrol",
                    view_func=bind(confirm, services), methods=["POST"])
    return bp
