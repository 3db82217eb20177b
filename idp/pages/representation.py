"""``/account`` section "acting for enterprises": the enterprises the person acts for,
the agents they answer for as legal representative, authorising a new agent
(``idp.pages.agent_grant``), and ending any of them (a confirmation page first;
CSRF-protected forms; a message after)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import select

from idp import representation, sso
from idp.models.accounts import Account, Authorisation
from idp.page_guard import guard
from idp.pages import agent_grant
from idp.pages.account import require_session
from idp.routes import bind

if TYPE_CHECKING:
    from idp.services import IdpServices


def lists(services: IdpServices, me: Account) -> dict:
    """What the account page shows: ``held`` (whom I act for) and ``given`` (agents of
    the enterprises I am the legal representative of)."""
    session = services.session()
    given = [item for item in representation.given_by(session, me) if item.person.id != me.id]
    held = representation.held_by(session, me)
    return {"held": held, "given": given, "granters": granters(session, held)}


def granters(session, items: list[representation.Listed]) -> dict[str, str]:
    """The names of the people (legal representatives) who granted ``items``, by sub;
    an operator's or a migration's grant has none."""
    subs = {item.link.granted_by for item in items if item.link.role == "agent"}
    return dict(session.execute(select(Account.sub, Account.display_name)
                                .where(Account.sub.in_(subs))).all()) if subs else {}


def _withdrawable(services: IdpServices, me: Account) -> representation.Listed:
    """The authorisation named in the form, if ``me`` may end it; else 404 (whether it
    exists is not revealed)."""
    session = services.session()
    raw = request.form.get("authorisation", "")
    number = raw.isascii() and raw.isdigit() and len(raw) < 12  # int() refuses "²"
    link = session.get(Authorisation, int(raw)) if number else None
    if link is None or not representation.may_withdraw(session, me, link):
        abort(404)
    return representation.Listed(link, session.get(Account, link.enterprise_account_id),
                                 session.get(Account, link.person_account_id))


def end(services: IdpServices):
    live = require_session(services)
    if live is None:
        return redirect(sso.login_url("/account"))
    session = services.session()
    me = session.get(Account, live.account_id)
    item = _withdrawable(services, me)
    if request.form.get("confirm") != "1":
        return render_template("idp/representation_end.html", item=item, me=me)
    if item.link.withdrawn_at is None:
        representation.withdraw(session, services.denylist, item.link, by=me.sub)
        representation.audit(session, f"person:{me.sub}", "withdraw", item.link,
                             item.enterprise, item.person)
    return redirect(url_for("idp_account.account", representation="ended") + "#representation")


def blueprint(services: IdpServices) -> Blueprint:
    """The ``idp_representation`` blueprint; its lists reach the account page's
    template as ``representations_of(me)``, the agent form's state as
    ``agent_grant_state(me)``."""
    bp = guard(Blueprint("idp_representation", __name__, template_folder="../templates"))
    bp.add_url_rule("/account/representation/end", view_func=bind(end, services),
                    methods=["POST"])
    bp.add_url_rule("/account/representation/agents",
                    view_func=bind(agent_grant.grant, services), methods=["POST"])
    bp.app_context_processor(lambda: {"representations_of": partial(lists, services),
                                      **agent_grant.context(services)})
    return bp
