"""``/account`` section "clerks acting for me" (代办): the citizen's mandates in force
(which clerk, which station, which matter, until when, how given) and ending one at
once (a CSRF-protected form; its tokens are denied at the same moment)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from flask import Blueprint, abort, redirect, request, url_for

from idp import mandates, sso
from idp.models.accounts import Account
from idp.page_guard import guard
from idp.pages.account import require_session
from idp.routes import bind

if TYPE_CHECKING:
    from idp.services import IdpServices


def live(services: IdpServices, me: Account) -> list:
    """The account page's list: ``me``'s mandates in force."""
    return mandates.live_for(services.session(), me.sub)


def end(services: IdpServices):
    """End the mandate named in the form, if it is the signed-in citizen's; else 404
    (whether another's exists is not revealed)."""
    session_ = require_session(services)
    if session_ is None:
        return redirect(sso.login_url("/account"))
    session = services.session()
    me = session.get(Account, session_.account_id)
    raw = request.form.get("mandate", "")
    row = mandates.of_citizen(session, me.sub, raw) if 0 < len(raw) <= 32 else None
    if row is None:
        abort(404)
    mandates.end(session, services.denylist, row, by=f"person:{me.sub}")
    return redirect(url_for("idp_account.account", mandate="ended") + "#mandates")


def blueprint(services: IdpServices) -> Blueprint:
    """The ``idp_mandates_account`` blueprint; its list reaches the account page's
    template as ``mandates_of(me)``."""
    bp = guard(Blueprint("idp_mandates_account", __name__, template_folder="../templates"))
    bp.add_url_rule("/account/mandates/end", view_func=bind(end, services), methods=["POST"])
    bp.app_context_processor(lambda: {"mandates_of": partial(live, services)})
    return bp
