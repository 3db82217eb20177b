"""``/login`` (login and password) and ``/login/totp`` (second factor or recovery code).

Every failure shows one of two generic messages, never saying whether an account
exists: "Incorrect username or password" and "Too many attempts ... wait N minutes"
(RFC 9700 and OWASP Authentication Cheat Sheet); the wait depends only on the
attempts made with that name, which an unknown name spends like a real one (or, from
a browser holding a device cookie for the account, on that cookie's). A
locked account is named only after the right password was given. When the throttle
cannot count (Redis down), every attempt is refused with a 503 "try again" page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import (
    Blueprint,
    after_this_request,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from idp import daily_counts, sso, totp
from idp.authentication import authenticate
from idp.device_cookies import COOKIE as DEVICE_COOKIE
from idp.errors import (
    AccountLocked,
    InvalidCredentials,
    InvalidSecondFactor,
    SealBroken,
    SecondFactorNotEnrolled,
    ThrottleUnavailable,
    TooManyAttempts,
)
from idp.models.accounts import Account
from idp.page_guard import guard
from idp.pages import context
from idp.pages.context import Flow
from idp.pages.waits import duration, wait_message
from idp.routes import bind

if TYPE_CHECKING:
    from idp.services import IdpServices


LOA2_AMR, LOA1_AMR = ["pwd", "otp"], ["pwd"]


def login(services: IdpServices):
    flow = Flow.from_values(request.args)
    live = services.sso.current_session()
    if live and not flow.force:
        return _continue(services, live, flow)
    return _form(flow, login_hint=request.args.get("login_hint", ""))


def _form(flow: Flow, login_hint: str = "", error: str | None = None, status: int = 200):
    return render_template("idp/login.html", flow=flow, login_hint=login_hint,
                           error=error), status


def _continue(services: IdpServices, live: sso.SsoSession, flow: Flow):
    """A live session: done, unless the hall asked for loa-2 and this is loa-1."""
    if flow.acr != "loa-2" or live.acr == "loa-2":
        return redirect(flow.next)
    account = services.session().get(Account, live.account_id)
    if account.has_totp:
        context.remember_pending(account.id, flow)
        return redirect(url_for(".second_factor"))
    return _enrolment_required(flow)


def _enrolment_required(flow: Flow):
    return render_template("idp/enrol_required.html", flow=flow), 403


def login_submit(services: IdpServices):
    flow = Flow.from_values(request.form)
    login_text = request.form.get("login", "").strip()
    try:
        # The throttle counts in its own transactions, before this request's first
        # write (a rehash), as SQLite's single writer requires.
        account = authenticate(services.session(), context.throttle(services), login_text,
                               request.form.get("password", ""), request.remote_addr,
                               lambda found: _trusted_device(services, found))
    except TooManyAttempts as exc:
        daily_counts.count(services.session(), daily_counts.LOGIN_THROTTLED)
        return _throttled(flow, login_text, exc)
    except ThrottleUnavailable as exc:
        return _throttle_down(flow, login_text, exc)
    except InvalidCredentials:
        daily_counts.count(services.session(), daily_counts.LOGIN_CREDENTIALS)
        return _form(flow, login_text, _("Incorrect username or password."), 401)
    except AccountLocked:
        return _form(flow, login_text,
                     _("This account is locked. Please contact a service hall."), 403)
    return _after_password(services, account, flow)


def _trusted_device(services: IdpServices, account: Account) -> str | None:
    """The id of this browser's valid device cookie for ``account``, if any."""
    return services.device_cookies.device_for(request.cookies.get(DEVICE_COOKIE),
                                              account.sub)


def _remember_device(services: IdpServices, account: Account) -> None:
    """A complete login: this browser is now a trusted device of ``account``
    (see idp.device_cookies), for ONEGATE_LOGIN_DEVICE_TTL."""
    settings = services.settings
    value = services.device_cookies.issue(account.sub, request.cookies.get(DEVICE_COOKIE))

    @after_this_request
    def _cookie(response):
        response.set_cookie(DEVICE_COOKIE, value, max_age=settings.login_device_ttl,
                            path="/login", httponly=True, samesite="Lax",
                            secure=settings.secure_cookies)
        return response


def _throttled(flow: Flow, login_text: str, exc: TooManyAttempts):
    """The same page for every name, known or not: only the wait differs."""
    page, status = _form(flow, login_text, wait_message(exc.retry_after), 429)
    return page, status, {"Retry-After": str(exc.retry_after)}


def _throttle_down(flow: Flow, login_text: str, exc: ThrottleUnavailable):
    """The throttle cannot count attempts: refuse them all (fail closed), readably."""
    message = _("Login is briefly unavailable. Please try again in %(wait)s.",
                wait=duration(exc.retry_after))
    page, status = _form(flow, login_text, message, 503)
    return page, status, {"Retry-After": str(exc.retry_after)}


def _after_password(services: IdpServices, account: Account, flow: Flow):
    """TOTP when enrolled; loa-2 without TOTP asks to enrol; else signed in at loa-1."""
    if account.has_totp:
        context.remember_pending(account.id, flow)
        return redirect(url_for(".second_factor"))
    services.sso.establish(account, amr=LOA1_AMR, acr="loa-1")
    _remember_device(services, account)
    if flow.acr == "loa-2":
        return _enrolment_required(flow)
    return redirect(flow.next)


def second_factor(services: IdpServices):
    if context.pending() is None:
        return redirect(url_for(".login"))
    return render_template("idp/totp.html")


def second_factor_submit(services: IdpServices):
    waiting = context.pending()
    if waiting is None:
        return redirect(url_for(".login"))
    account_id, flow = waiting
    try:
        account = _check_second_factor(services, account_id, request.form.get("code", ""))
    except TooManyAttempts as exc:
        daily_counts.count(services.session(), daily_counts.LOGIN_THROTTLED)
        return _totp_error(wait_message(exc.retry_after), 429,
                           {"Retry-After": str(exc.retry_after)})
    except ThrottleUnavailable as exc:
        return _totp_error(_("Login is briefly unavailable. Please try again in %(wait)s.",
                             wait=duration(exc.retry_after)), 503,
                           {"Retry-After": str(exc.retry_after)})
    except (InvalidSecondFactor, SecondFactorNotEnrolled, SealBroken, AccountLocked):
        daily_counts.count(services.session(), daily_counts.LOGIN_SECOND_FACTOR)
        return _totp_error(_("The code is wrong or was already used."), 401)
    context.forget_pending()
    services.sso.establish(account, amr=LOA2_AMR, acr="loa-2")
    _remember_device(services, account)
    return redirect(flow.next)


def _totp_error(message: str, status: int, headers: dict | None = None):
    return render_template("idp/totp.html", error=message), status, headers or {}


def _check_second_factor(services: IdpServices, account_id: int, code: str) -> Account:
    """The account once its code checks out; raises TooManyAttempts, ThrottleUnavailable,
    AccountLocked, InvalidSecondFactor or SecondFactorNotEnrolled. The attempt is
    counted before the code is checked (see idp.throttle), on this browser's device
    budget when it is a trusted device of the account."""
    throttle, name = context.throttle(services), f"totp:{account_id}"
    session = services.session()
    account = session.get(Account, account_id)
    device = _trusted_device(services, account) if account is not None else None
    # The second factor has a budget of its own on the device too (as it has its own
    # name): a correct password must not refill the guesses at the code.
    device = throttle.admit(name, request.remote_addr,
                            f"{device}:second-factor" if device else None)
    if account is None or account.locked:
        raise AccountLocked("account locked")
    totp.verify_second_factor(session, account, services.second_factor_keys, code)
    # A code once accepted stays spent whatever follows; and the throttle's own
    # transaction below could not write while this one holds SQLite's write lock.
    services.unit_of_work.commit()
    throttle.succeeded(name, request.remote_addr, device)
    return account


def _allow_hall_redirect(services: IdpServices, response):
    """Chromium applies CSP ``form-action`` to every redirect after a form post, and
    the login form's chain (``/login`` -> ``/oauth/authorize`` -> the hall) ends at
    the hall's registered redirect URI: allow exactly that origin on these pages."""
    from idp.authorize import form_action_origin

    waiting = context.pending()
    next_url = request.values.get("next") or (waiting[1].next if waiting else None)
    origin = form_action_origin(services, next_url)
    if origin and response.mimetype == "text/html":
        response.headers["X-Onegate-Form-Action"] = origin
    return response


def blueprint(services: IdpServices) -> Blueprint:
    """The ``idp_login`` blueprint, its views bound to ``services``."""
    bp = guard(Blueprint("idp_login", __name__, template_folder="../templates"))
    bp.add_url_rule("/login",
                    view_func=bind(login, services), methods=["GET"])
    bp.add_url_rule("/login",
                    view_func=bind(login_submit, services), methods=["POST"])
    bp.add_url_rule("/login/totp",
                    view_func=bind(second_factor, services), methods=["GET"])
    bp.add_url_rule("/login/totp",
                    view_func=bind(second_factor_submit, services), methods=["POST"])
    bp.after_request(lambda response: _allow_hall_redirect(services, response))
    return bp
