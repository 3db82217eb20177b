"""``/device``: the verification page of the device authorization grant (RFC 8628
section 3.3), where a person signed in on their phone enters (or scans) a user code,
sees who asks -- a hall's terminal, or a browser on a computer logging in -- and
approves or denies.

Order of checks: a signed-in session (else the normal login, which comes back
here); a well-formed code; a guess from the session's and the address's budgets
(``idp.user_code_guard``, before the first write); a live request; the assurance
the request needs (loa-2: the login's step-up; a fresh login for a desktop whose
sign-in demanded one); then, on the CSRF-checked form post, the decision.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from idp import clients, consent, device_authorizations, sso, terminals, user_codes
from idp.errors import ThrottleUnavailable, TooManyAttempts
from idp.page_guard import guard
from idp.routes import bind
from idp.user_code_guard import UserCodeGuard

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from idp.models.device_authorizations import DeviceAuthorization
    from idp.services import IdpServices

#: A pending request found by its user code (a device authorization or a 代办 mandate).
_Row = TypeVar("_Row")


class CodeProblem(Exception):
    """The code cannot be used; ``message`` says why, ``status`` is the page's status."""

    def __init__(self, message: str, status: int, headers: dict | None = None):
        super().__init__(message)
        self.message, self.status, self.headers = message, status, headers or {}


def verification(services: IdpServices):
    """GET: the code form, or with ``?user_code=`` (verification_uri_complete) the
    request to approve. POST: the form's code, and with ``decision`` the answer."""
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
    step_up = _assurance_needed(row, live, text)
    if step_up is not None:
        return redirect(step_up)
    decision = request.form.get("decision") if request.method == "POST" else None
    if decision in ("allow", "deny"):
        return _decide(services, row, live, decision == "allow")
    return _confirm(services, row, text)


def _here(text: str) -> str:
    code = user_codes.canonical(text)
    params = {"user_code": user_codes.shown(code)} if code else {}
    return url_for("idp_device.verification", **params)


def _live_request(services: IdpServices, live: sso.SsoSession,
                  text: str) -> DeviceAuthorization:
    """The pending request the code names; raises CodeProblem (see look_up_code)."""
    return look_up_code(
        services, live, text, device_authorizations.find_by_user_code,
        _("This code is wrong or has expired. Check the code on the screen, or start "
          "again there."))


def look_up_code(services: IdpServices, live: sso.SsoSession, text: str,
                 find: Callable[[Session, bytes, str], _Row | None], unknown: str) -> _Row:
    """The pending request (device or 代办) a typed user code names, under one guessing
    budget per session and source; raises CodeProblem (malformed 400, too many guesses
    429, counter store down 503, unknown or expired 404 with ``unknown``)."""
    code = user_codes.canonical(text)
    if code is None:
        raise CodeProblem(_("A code has 8 letters, such as BCDF-GHJK. Please check it."), 400)
    guard = UserCodeGuard(services.throttle_store, services.settings.user_code_attempts)
    try:
        guard.admit(live.sid, request.remote_addr)
        row = find(services.session(), services.token_hash_key, code)
        if row is None:
            raise CodeProblem(unknown, 404)
        guard.found(live.sid, request.remote_addr)
    except TooManyAttempts as exc:
        raise CodeProblem(_("Too many wrong codes. Please wait %(wait)s and try again.",
                            wait=_minutes(exc.retry_after)), 429,
                          {"Retry-After": str(exc.retry_after)}) from None
    except ThrottleUnavailable as exc:
        raise CodeProblem(_("Codes cannot be checked right now. Please try again shortly."),
                          503, {"Retry-After": str(exc.retry_after)}) from None
    return row


def _minutes(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return ngettext("%(num)d minute", "%(num)d minutes", minutes)


def _assurance_needed(row: DeviceAuthorization, live: sso.SsoSession,
                      text: str) -> str | None:
    """The login URL to go through first, or None when the session will do: loa-2
    when the request asked for it; a login after the request was made when the
    desktop's own sign-in demanded a fresh one (prompt=login, max_age)."""
    if row.acr_required == "loa-2" and live.acr != "loa-2":
        return sso.login_url(_here(text), acr="loa-2")
    if row.fresh_login and (live.authenticated_at is None
                            or live.authenticated_at < row.created_at):
        return sso.login_url(_here(text), acr=row.acr_required, force=True)
    return None


def _confirm(services: IdpServices, row: DeviceAuthorization, text: str):
    """RFC 8628 section 3.3: the server should "inform the user about the action they
    are undertaking and ask them to approve or deny the request"; section 3.3.1: with
    verification_uri_complete the person is shown the user code to compare with the
    one on the terminal's screen; section 5.4 (remote phishing): the page says plainly
    that a device in front of them is being signed in, and whose."""
    values = {"user_code": user_codes.shown(user_codes.canonical(text)), "row": row,
              "expires_at": row.expires_at}
    if row.purpose == device_authorizations.TERMINAL:
        client = clients.find(services.session(), services.client_secrets, row.client_id)
        if client is None:
            return _enter(text, _("This terminal is no longer registered."), 404)
        values["terminal"] = terminals.describe(services.session(), client)
        values["scopes"] = consent.describe(row.scope.split(), services.licence_type_names)
    return render_template("idp/device_confirm.html", **values), 200


def _decide(services: IdpServices, row: DeviceAuthorization, live: sso.SsoSession,
            allow: bool):
    approver = device_authorizations.Approver.of(live)
    if not device_authorizations.decide(services.session(), row, approver, allow):
        return _enter("", _("This request was already answered or has expired."), 409)
    if allow and row.purpose == device_authorizations.TERMINAL:
        # Back-Channel Logout: the terminal's tokens carry this session's sid.
        services.sso.add_participant(live.sid, row.client_id)
    return render_template("idp/device_done.html", allowed=allow,
                           purpose=row.purpose), 200


def _enter(text: str = "", error: str | None = None, status: int = 200,
           headers: dict | None = None):
    return render_template("idp/device_enter.html", user_code=text, error=error), status, \
        headers or {}


def blueprint(services: IdpServices) -> Blueprint:
    """The ``idp_device`` blueprint (CSRF-protected forms, no-store pages)."""
    bp = guard(Blueprint("idp_device", __name__, template_folder="../templates"))
    bp.add_url_rule("/device", view_func=bind(verification, services),
                    methods=["GET", "POST"])
    return bp
