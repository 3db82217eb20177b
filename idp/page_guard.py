"""What every server-rendered page blueprint of the provider shares: no caching, and
a readable page (Chinese by default) when a form's CSRF token fails.

Called once per blueprint at import time (Flask allows setup only before the first
registration), e.g. ``guard(bp)`` right after ``bp = Blueprint(...)``. Error handlers
registered on a blueprint apply only to its own routes, so the app-wide handlers
(problem+json on the JSON APIs, admin/problems.py) are untouched.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_wtf.csrf import CSRFError

from idp import sso
from idp.redirects import safe_next

NO_STORE = "no-store"


def no_store(response):
    """RFC 9111 section 5.2.2.5: ``no-store`` -- these pages carry CSRF tokens and
    personal data (login, second factor, consent, account), which no browser or
    proxy cache may keep. A page that already chose its caching keeps it."""
    response.headers.setdefault("Cache-Control", NO_STORE)
    return response


def back_url() -> str:
    """Where "try again" leads: the page the failed form came from, keeping a safe,
    same-origin ``next`` (and the requested acr and forced login) on the login page."""
    endpoint = request.endpoint or ""
    next_url = safe_next(request.form.get("next"))
    if endpoint == "idp_login.login_submit":
        params = {"next": next_url}
        if request.form.get("acr") in sso.ACRS:
            params["acr"] = request.form["acr"]
        if request.form.get("force") == "1":
            params["force"] = "1"
        return url_for("idp_login.login", **{k: v for k, v in params.items() if v})
    if endpoint == "idp_login.second_factor_submit":
        return url_for("idp_login.second_factor")
    if endpoint == "idp_enrolment.confirm":
        return url_for("idp_enrolment.enrol", next=next_url)
    if endpoint == "idp_oauth.withdraw":
        return url_for("idp_oauth.consents")
    if request.method == "GET":
        return request.full_path
    return url_for("idp_account.account")


def csrf_failed(error: CSRFError):
    """The form's CSRF token is missing, wrong or from a lost session: say so in the
    person's language and link back, instead of the generic English 400 page. Status
    400 (the request was refused), never cached."""
    return render_template("idp/csrf_expired.html", back=back_url()), 400, \
        {"Cache-Control": NO_STORE}


def guard(bp: Blueprint) -> Blueprint:
    bp.register_error_handler(CSRFError, csrf_failed)
    bp.after_request(no_store)
    return bp
