"""``/account``: who am I, my live sessions, my second factor, my recovery codes."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for

from idp import accounts, recovery_codes, sso
from idp.models.accounts import Account
from idp.page_guard import guard
from idp.pages import context

bp = guard(Blueprint("idp_account", __name__, template_folder="../templates"))


def require_session(next_url: str, acr: str | None = None) -> sso.SsoSession | None:
    """The live session when it is strong enough for the page, else None."""
    live = sso.current_session()
    if live is None or (acr == "loa-2" and live.acr != "loa-2"):
        return None
    return live


@bp.get("/account")
def account():
    live = require_session("/account")
    if live is None:
        return redirect(sso.login_url("/account"))
    with context.sessions()() as session:
        me = session.get(Account, live.account_id)
        remaining = recovery_codes.remaining(session, me) if me.has_totp else 0
        enterprises = accounts.enterprises_of(session, me)
    return render_template("idp/account.html", me=me, live=live, remaining=remaining,
                           enterprises=enterprises, sessions=sso.sessions_of(me.id),
                           participants=sso.participants)


@bp.post("/account/sessions/end")
def end_session():
    live = require_session("/account")
    if live is None:
        return redirect(sso.login_url("/account"))
    sid = request.form.get("sid", "")
    if sid not in {s.sid for s in sso.sessions_of(live.account_id)}:
        abort(404)
    sso.end_session(sid)
    return redirect(url_for(".account") if sid != live.sid else sso.login_url("/account"))


@bp.post("/account/recovery-codes")
def regenerate_recovery_codes():
    """New codes replace the old; needs a loa-2 session (a stolen password is not enough)."""
    live = require_session("/account", acr="loa-2")
    if live is None:
        return redirect(sso.login_url("/account", acr="loa-2"))
    with context.sessions().begin() as session:
        me = session.get(Account, live.account_id)
        if not me.has_totp:
            abort(409)
        codes = recovery_codes.regenerate(session, me, context.second_factor_keys().recovery)
    return render_template("idp/recovery_codes.html", codes=codes, next=url_for(".account"))
