"""``/mandate``: where a citizen, on their own phone, sees which clerk at which
station asks to handle which matter for them (代办), for how long and with what
access, and approves or denies (``idp.mandates``).

The station system shows ``/mandate?user_code=...`` as a QR code on the clerk's
screen. Order of checks, as on ``/device``: a signed-in session (else the normal
login, which comes back here); a well-formed code; a guess from the session's and
the address's budgets (``idp.user_code_guard``); a live request; then, on the
CSRF-checked form post, the decision. Only a person (not a staff or enterprise
account) gives a mandate for themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from idp import accounts, consent, mandates, sso, user_codes
from idp.page_guard import guard
from idp.pages.device import CodeProblem, look_up_code
from idp.routes import bind

if TYPE_CHECKING:
    from idp.models.mandates import Mandate
    from idp.services import IdpServices


def verification(services: IdpServices):
    """GET: the code form, or with ``?user_code=`` the request. POST with
    ``decision``: the answer."""
    live = services.sso.current_session()
    text = request.values.get("user_code", "").strip()
    if live is None:
        return redirect(sso.login_url(_here(text)))
    if not text:
        return _enter()
    try:
        row = _live_request(services, live, text)
    except CodeProblem as problem:
        return _enter(text, problem.message, problem.status, problem.headers)
    person = accounts.get_by_sub(services.session(), live.sub)
    if person is None or person.kind != "person":
        return _enter(text, _("Only a citizen's own account can authorise a clerk."), 403)
    decision = request.form.get("decision") if request.method == "POST" else None
    if decision in ("allow", "deny"):
        return _decide(services, row, live, decision == "allow")
    return _confirm(services, row, text)


def _here(text: str) -> str:
    code = user_codes.canonical(text)
    params = {"user_code": user_codes.shown(code)} if code else {}
    return url_for("idp_mandate.verification", **params)


def _live_request(services: IdpServices, live, text: str) -> Mandate:
    """The pending request the code names; raises CodeProblem (as /device does)."""
    return look_up_code(services, live, text, mandates.find_by_user_code,
                        _("This code is wrong or has expired. Ask the clerk to start again."))


def duration_text(seconds: int) -> str:
    """A mandate's length as people say it (hours and minutes)."""
    hours, minutes = divmod(max(0, seconds) // 60, 60)
    if hours and minutes:
        return _("%(hours)d h %(minutes)d min", hours=hours, minutes=minutes)
    if hours:
        return _("%(hours)d h", hours=hours)
    return _("%(minutes)d min", minutes=minutes)


def _confirm(services: IdpServices, row: Mandate, text: str):
    """Who asks (the clerk's name and station, as verified), for which matter, how
    long, with which access; a warning against a request someone sent from afar."""
    return render_template(
        "idp/mandate_confirm.html", row=row,
        user_code=user_codes.shown(user_codes.canonical(text)),
        duration=duration_text(row.duration),
        scopes=consent.describe(row.scope.split(), services.licence_type_names)), 200


def _decide(services: IdpServices, row: Mandate, live, allow: bool):
    if not mandates.decide(services.session(), row, live.sub, allow=allow, acr=live.acr,
                           amr=list(live.amr)):
        return _enter("", _("This request was already answered or has expired."), 409)
    return render_template("idp/mandate_done.html", allowed=allow, row=row), 200


def _enter(text: str = "", error: str | None = None, status: int = 200,
           headers: dict | None = None):
    return render_template("idp/mandate_enter.html", user_code=text, error=error), status, \
        headers or {}


def blueprint(services: IdpServices) -> Blueprint:
    """The ``idp_mandate`` blueprint (CSRF-protected forms, no-store pages)."""
    bp = guard(Blueprint("idp_mandate", __name__, template_folder="../templates"))
    bp.add_url_rule("/mandate", view_func=bind(verification, services),
                    methods=["GET", "POST"])
    return bp
