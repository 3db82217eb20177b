"""``/account``: who am I, my live sessions, my second factor, my recovery codes, and
what was done about my account (resets, locks, sessions ended: idp.account_history)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from idp import account_history, accounts, recovery_codes, sso
from idp.models.accounts import Account
from idp.models.clients import OAuthClient
from idp.models.sso_sessions import SsoParticipant
from idp.page_guard import guard
from idp.routes import bind

if TYPE_CHECKING:
    from idp.services import IdpServices



def require_session(services: IdpServices, acr: str | None = None) -> sso.SsoSession | None:
    """The live session when it is strong enough for the page, else None."""
    live = services.sso.current_session()
    if live is None or (acr == "loa-2" and live.acr != "loa-2"):
        return None
    return live


def account(services: IdpServices):
    live = require_session(services)
    if live is None:
        return redirect(sso.login_url("/account"))
    session = services.session()
    me = session.get(Account, live.account_id)
    remaining = recovery_codes.remaining(session, me) if me.has_totp else 0
    enterprises = accounts.enterprises_of(session, me)
    return render_template("idp/account.html", me=me, live=live, remaining=remaining,
                           enterprises=enterprises,
                           sessions=services.sso.sessions_of(me.id),
                           participants=lambda sid: services_of(session, sid),
                           events=account_history.recent(session, me))


def services_of(session: Session, sid: str) -> list[tuple[str, datetime]]:
    """(name, first use) of each service hall the session signed in to, in the order
    they joined: a person reads hall names, never client ids. A client deleted since
    is left out (there is nothing left to name)."""
    return [(name, since) for name, since in session.execute(
        select(OAuthClient.name, SsoParticipant.first_seen)
        .join(OAuthClient, OAuthClient.client_id == SsoParticipant.client_id)
        .where(SsoParticipant.sid == sid)
        .order_by(SsoParticipant.first_seen, SsoParticipant.client_id))]


def end_session(services: IdpServices):
    live = require_session(services)
    if live is None:
        return redirect(sso.login_url("/account"))
    sid = request.form.get("sid", "")
    if sid not in {s.sid for s in services.sso.sessions_of(live.account_id)}:
        abort(404)
    services.sso.end_session(sid)
    return redirect(url_for(".account") if sid != live.sid else sso.login_url("/account"))


def regenerate_recovery_codes(services: IdpServices):
    """New codes replace the old; needs a loa-2 session (a stolen password is not enough)."""
    live = require_session(services, acr="loa-2")
    if live is None:
        return redirect(sso.login_url("/account", acr="loa-2"))
    session = services.session()
    me = session.get(Account, live.account_id)
    if not me.has_totp:
        abort(409)
    codes = recovery_codes.regenerate(session, me, services.second_factor_keys.recovery)
    return render_template("idp/recovery_codes.html", codes=codes, next=url_for(".account"))


def blueprint(services: IdpServices) -> Blueprint:
    """The ``idp_account`` blueprint, its views bound to ``services``."""
    bp = guard(Blueprint("idp_account", __name__, template_folder="../templates"))
    bp.add_url_rule("/account",
                    view_func=bind(account, services), methods=["GET"])
    bp.add_url_rule("/account/sessions/end",
                    view_func=bind(end_session, services), methods=["POST"])
    bp.add_url_rule("/account/recovery-codes",
                    view_func=bind(regenerate_recovery_codes, services), methods=["POST"])
    return bp
