"""``/account`` "authorise an agent": a live legal representative names a person (citizen
ID number and name, both must match), the matters and the last day; the checks are
``idp.agent_grants``'s. A slip re-shows the form with one readable message (400); a
refused enterprise is a 404 (whether it exists is not said).

Re-authentication: giving someone power to act for the enterprise is the most
sensitive thing the account page does, so it needs a login within
``agent_grants.RECENT_LOGIN``, at loa-2 when the person has a second factor. The page
shows a "log in again" link instead of the form until then, and a post from an older
login is sent to log in (``force=1``) without acting. Ending an authorisation needs no
fresh login: stopping a power should never be harder than its abuse.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from edge.timestamps import utcnow
from idp import agent_grants, representation, sso
from idp.agent_grants import AgentRequest, GrantRefused
from idp.errors import ThrottleUnavailable, TooManyAttempts
from idp.matters import MATTERS
from idp.models.accounts import Account
from idp.pages.account import require_session
from idp.pages.waits import duration, wait_message
from idp.throttle import RateLimit

if TYPE_CHECKING:
    from idp.services import IdpServices

#: How people read each matter code (idp.matters.MATTERS), Chinese in the catalogue.
MATTER_LABELS = {
    "licences": _l("Show and use the enterprise's electronic licences"),
    "registration": _l("Business registration changes and filings"),
    "tax": _l("Tax matters"),
    "social-insurance": _l("Social insurance for the staff"),
    "housing-fund": _l("Housing provident fund for the staff"),
    "permits": _l("Applications for administrative permits"),
}
AFTER_LOGIN = "/account#authorise"


def matter_label(code: str) -> str:
    """The matter's name; a code outside the catalogue (set by an operator) as it is."""
    label = MATTER_LABELS.get(code)
    return str(label) if label is not None else code


def matter_list(codes) -> str:
    """The matters' names as a list ("办税、员工住房公积金")."""
    return _(", ").join(matter_label(c) for c in codes)


def _messages() -> dict[str, str]:
    return {
        "id_number": _("This citizen ID number is not valid. Please check it."),
        "name": _("Please enter the agent's name."),
        "no_such_person": _("No person with this ID number and this name has an account. "
                            "Check both, or ask the agent to register first."),
        "matters": _("Choose one or more matters from the list."),
        "until": _("Choose a last day from today to one year ahead."),
        "self": _("You act for the enterprise already; choose another person."),
        "already": _("This person already acts for the enterprise. To change the terms, "
                     "end the authorisation first."),
    }


def reauth_url(me: Account) -> str:
    return sso.login_url(AFTER_LOGIN, force=True, acr="loa-2" if me.has_totp else None)


def _recent(live: sso.SsoSession, me: Account) -> bool:
    return agent_grants.recent_enough(live.acr, live.authenticated_at, me.has_totp, utcnow())


def state(services: IdpServices, me: Account) -> dict:
    """What the account page's form needs: the enterprises ``me`` is the live legal
    representative of, whether the login is recent enough, and the date bounds."""
    session = services.session()
    legal = [p for p in representation.live_parties(session, me) if p.role == "legal"]
    live = services.sso.current_session()
    today = agent_grants.china_today(utcnow())
    return {"enterprises": legal, "recent": live is not None and _recent(live, me),
            "reauth_url": reauth_url(me), "matters": MATTERS,
            "first_day": today.isoformat(),
            "last_day": (today + timedelta(days=agent_grants.MAX_DAYS)).isoformat()}


def _request() -> AgentRequest:
    form = request.form
    return AgentRequest(enterprise_sub=form.get("enterprise", "")[:64],
                        id_number=form.get("id_number", "")[:40],
                        name=form.get("name", "")[:200],
                        matters=tuple(m[:64] for m in form.getlist("matters")[:32]),
                        last_day=form.get("until", "")[:20])


def _refused(services: IdpServices, me: Account, wanted: AgentRequest, message: str,
             status: int, headers: dict | None = None):
    grant_state = state(services, me)
    enterprise = next((p for p in grant_state["enterprises"]
                       if p.sub == wanted.enterprise_sub), None)
    if enterprise is None:
        abort(404)
    body = render_template("idp/agent_grant.html", me=me, party=enterprise, wanted=wanted,
                           error=message, grant=grant_state)
    return body, status, headers or {}


def grant(services: IdpServices):
    live = require_session(services)
    if live is None:
        return redirect(sso.login_url("/account"))
    session = services.session()
    me = session.get(Account, live.account_id)
    if not _recent(live, me):
        return redirect(reauth_url(me))
    wanted, now = _request(), utcnow()
    try:
        checked = agent_grants.prepare(session, me, wanted, now)
        _lookups(services).hit(me.sub)
        agent_grants.grant(session, me, checked, now)
    except GrantRefused as exc:
        if exc.reason == "not_legal":
            abort(404)
        return _refused(services, me, wanted, _messages()[exc.reason], 400)
    except TooManyAttempts as exc:
        return _refused(services, me, wanted, wait_message(exc.retry_after), 429,
                        {"Retry-After": str(exc.retry_after)})
    except ThrottleUnavailable as exc:
        return _refused(services, me, wanted, _("Please try again in %(wait)s.",
                                                 wait=duration(exc.retry_after)), 503,
                        {"Retry-After": str(exc.retry_after)})
    return redirect(url_for("idp_account.account", representation="granted")
                    + "#representation")


def _lookups(services: IdpServices) -> RateLimit:
    """The grantor's budget of agent lookups (shared by workers, fails closed)."""
    return RateLimit(services.throttle_store, agent_grants.LOOKUPS_PER_HOUR, 3600,
                     prefix="agent-lookup:")


def context(services: IdpServices) -> dict:
    """Template helpers for the account page's representation section."""
    return {"agent_grant_state": lambda me: state(services, me),
            "matter_label": matter_label, "matter_list": matter_list,
            "masked_name": agent_grants.mask_name,
            "masked_id_number": agent_grants.mask_id_number}
