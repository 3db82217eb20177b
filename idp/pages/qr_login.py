""""Scan with your phone" (用手机扫码登录) on the provider's own login page: a
first-party device authorization request (RFC 8628) whose QR code the desktop shows
and whose approval on the person's phone signs the desktop browser in.

``GET /login/qr`` starts a request (or shows the one this browser already has) and
keeps its device code in this browser's session cookie only; the page polls
``POST /login/qr/poll`` (small script, CSRF header; without script, a Continue
button posts the same form). Once the phone approved, the poll establishes the SSO
session here -- with the phone session's acr, amr and auth time -- and sends the
browser on to where its login was going (``next``: typically the hall's
authorization request, which then continues).

A login request cannot be redeemed at the token endpoint, nor a terminal's here
(``device_authorizations.redeem`` checks the purpose).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from idp import accounts, device_authorizations, user_codes
from idp.device_endpoint import VERIFICATION_PATH
from idp.errors import (
    AccessDeniedError,
    AuthorizationPendingError,
    ExpiredTokenError,
    InvalidGrantError,
    SlowDownError,
    ThrottleUnavailable,
    TooManyAttempts,
)
from idp.page_guard import guard
from idp.pages.context import Flow
from idp.qr_images import svg_data_uri
from idp.routes import bind
from idp.throttle import RateLimit

if TYPE_CHECKING:
    from idp.services import IdpServices

SESSION_KEY = "idp_qr_login"
#: Login QR codes one source address may start per 15 minutes (each is a row).
STARTS_PER_ADDRESS = 60
STARTS_WINDOW = 900


def qr_page(services: IdpServices):
    """The QR code to scan, its user code and the warning; starts a request unless
    this browser has a live one for the same flow. 429 when the address started
    too many."""
    flow = Flow.from_values(request.args)
    live = services.sso.current_session()
    if live and not flow.force and (flow.acr != "loa-2" or live.acr == "loa-2"):
        return redirect(flow.next)
    kept = _kept(services, flow)
    if kept is None:
        try:
            RateLimit(services.throttle_store, STARTS_PER_ADDRESS, STARTS_WINDOW,
                      prefix="qrlogin:").hit(request.remote_addr or "")
        except (TooManyAttempts, ThrottleUnavailable) as exc:
            message = _("Too many sign-in codes from this network. Please sign in with "
                        "your password, or try again later.")
            return render_template("idp/qr_login.html", flow=flow, error=message), \
                429 if isinstance(exc, TooManyAttempts) else 503
        kept = _start(services, flow)
    return _page(services, flow, kept)


def _start(services: IdpServices, flow: Flow) -> dict:
    settings = services.settings
    started = device_authorizations.start(
        services.session(), services.token_hash_key,
        device_authorizations.Request(
            purpose=device_authorizations.LOGIN,
            client_id=device_authorizations.LOGIN_CLIENT_ID, scope="openid",
            acr_required=flow.acr, fresh_login=flow.force,
            requester_address=request.remote_addr,
            requester_agent=request.headers.get("User-Agent", "")),
        ttl=settings.device_code_ttl, interval=settings.device_poll_interval,
        keep=settings.refresh_token_ttl)
    kept = {"device_code": started.device_code, "user_code": started.user_code,
            "next": flow.next, "acr": flow.acr, "force": "1" if flow.force else None,
            "until": int(time.time()) + settings.device_code_ttl,
            "interval": settings.device_poll_interval}
    session[SESSION_KEY] = kept
    return kept


def _kept(services: IdpServices, flow: Flow) -> dict | None:
    """This browser's request for the same flow, while it can still be approved."""
    kept = session.get(SESSION_KEY)
    if not kept or kept.get("until", 0) <= time.time() or kept.get("next") != flow.next \
            or kept.get("acr") != flow.acr or (kept.get("force") == "1") != flow.force:
        return None
    row = device_authorizations.find_by_device_code(services.session(),
                                                    services.token_hash_key,
                                                    kept.get("device_code"))
    return kept if row is not None and row.status in ("pending", "approved") else None


def _page(services: IdpServices, flow: Flow, kept: dict, notice: str | None = None):
    shown = user_codes.shown(kept["user_code"])
    uri = services.issuer + VERIFICATION_PATH
    complete = f"{uri}?user_code={shown}"
    return render_template("idp/qr_login.html", flow=flow, user_code=shown,
                           verification_uri=uri, verification_uri_complete=complete,
                           qr=svg_data_uri(complete), interval=kept["interval"],
                           notice=notice), 200


def poll(services: IdpServices):
    """One poll by the desktop: JSON ``{"status": "pending"|"approved"|"denied"|
    "expired", ...}`` for the script, or the page again / a redirect for the form."""
    kept = session.get(SESSION_KEY)
    status, extra = _poll(services, kept)
    wants_json = request.accept_mimetypes.best_match(["text/html", "application/json"]) \
        == "application/json"
    if wants_json:
        return jsonify({"status": status, **extra})
    if status == "approved":
        return redirect(extra["next"])
    flow = Flow.from_values(kept or {})
    if status == "pending":
        return _page(services, flow, kept, _("Not allowed on your phone yet."))
    return redirect(url_for("idp_login.login", next=flow.next, acr=flow.acr,
                            force="1" if flow.force else None))


def _poll(services: IdpServices, kept: dict | None) -> tuple[str, dict]:
    if not kept:
        return "expired", {}
    db = services.session()
    row = device_authorizations.find_by_device_code(db, services.token_hash_key,
                                                    kept.get("device_code"))
    try:
        row = device_authorizations.redeem(
            db, services.denylist, row, purpose=device_authorizations.LOGIN,
            client_id=device_authorizations.LOGIN_CLIENT_ID)
    except (AuthorizationPendingError, SlowDownError):
        db.refresh(row)
        kept["interval"] = row.interval
        session[SESSION_KEY] = kept
        return "pending", {"interval": row.interval}
    except AccessDeniedError:
        session.pop(SESSION_KEY, None)
        return "denied", {}
    except (ExpiredTokenError, InvalidGrantError):
        session.pop(SESSION_KEY, None)
        return "expired", {}
    session.pop(SESSION_KEY, None)
    account = accounts.get_by_sub(db, row.sub)
    if account is None or account.locked:
        return "denied", {}
    services.sso.establish(account, amr=list(row.amr or []), acr=row.acr,
                           authenticated_at=row.authenticated_at)
    return "approved", {"next": Flow.from_values(kept).next}


def _allow_hall_redirect(services: IdpServices, response):
    """As on the login page (idp.pages.login): the Continue form's redirect chain
    ends at the hall's registered redirect URI, which CSP form-action must allow."""
    from idp.authorize import form_action_origin

    kept = session.get(SESSION_KEY) or {}
    origin = form_action_origin(services, request.args.get("next") or kept.get("next"))
    if origin and response.mimetype == "text/html":
        response.headers["X-Onegate-Form-Action"] = origin
    return response


def blueprint(services: IdpServices) -> Blueprint:
    """The ``idp_qr_login`` blueprint (CSRF-protected, no-store pages)."""
    bp = guard(Blueprint("idp_qr_login", __name__, template_folder="../templates"))
    bp.add_url_rule("/login/qr", view_func=bind(qr_page, services), methods=["GET"])
    bp.add_url_rule("/login/qr/poll", view_func=bind(poll, services), methods=["POST"])
    bp.after_request(lambda response: _allow_hall_redirect(services, response))
    return bp
