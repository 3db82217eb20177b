"""People: find an account by ID number, credit code, username or phone (after
checking the person's ID document at the counter), see it, lock and unlock it.

The search is a POST (with the CSRF token), so an ID number never lands in a URL
(browser history, proxy and access logs); each search is audited as
``console.account.find`` naming the account found (never the number typed).

Who: platform administrators (every account), counter clerks (citizens' and
enterprises' accounts: the person at the counter, never a staff account), auditors
(read only). Lock and unlock are the provider's own functions (idp.accounts) and are
audited (``console.account.lock``, ``console.account.unlock``).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from admin.console import auditing
from admin.console.guard import member, requires
from admin.console.pages import console_blueprint
from admin.console.sections import Section
from admin.console.services import ConsoleServices
from idp import accounts, staff
from idp.errors import UnknownAccount
from idp.models.accounts import Account
from idp.staff import AUDITOR, CLERK, PLATFORM_ADMIN

READERS = (PLATFORM_ADMIN, CLERK, AUDITOR)
ACTORS = (PLATFORM_ADMIN, CLERK)
MAX_QUERY = 64


def mask(value: str | None, keep_start: int = 3, keep_end: int = 4) -> str | None:
    """An identifier with its middle hidden (440***********0012): the page shows whose
    account it is without copying the whole number to every screen."""
    if not value or len(value) <= keep_start + keep_end:
        return value
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def _may_act_on(account: Account) -> bool:
    """A clerk helps citizens and enterprises; only a platform administrator acts on a
    staff account."""
    return member().has(PLATFORM_ADMIN) or account.kind != "staff"


def _account(services: ConsoleServices, sub: str) -> Account:
    found = accounts.get_by_sub(services.session(), sub)
    if found is None:
        abort(404)
    return found


def blueprint(services: ConsoleServices):
    """``console_people``: /admin/people (search), /admin/people/<sub>, lock, unlock."""
    bp = console_blueprint("console_people", "/admin/people", services)

    @bp.get("")
    @requires(*READERS)
    def index():
        return render_template("console/people.html", searched=False, found=None, mask=mask)

    @bp.post("")
    @requires(*READERS)
    def search():
        query = (request.form.get("q") or "").strip()[:MAX_QUERY]
        if not query:
            return redirect(url_for(".index"))
        try:
            found = accounts.get_by_reference(services.session(), query)
        except UnknownAccount:
            found = None
        auditing.record(services.session(), "account.find", found.sub if found else "",
                        {"found": found is not None})
        return render_template("console/people.html", searched=True, found=found, mask=mask)

    @bp.get("/<sub>")
    @requires(*READERS)
    def show(sub: str):
        account = _account(services, sub)
        grants = staff.grants_of(services.session(), account)
        sessions = services.idp.sso.sessions_of(account.id)
        return render_template("console/person.html", account=account, grants=grants,
                               sessions=sessions, mask=mask,
                               may_act=member().has(*ACTORS) and _may_act_on(account))

    @bp.post("/<sub>/lock")
    @requires(*ACTORS)
    def lock(sub: str):
        account = _account(services, sub)
        if not _may_act_on(account):
            abort(403)
        reason = (request.form.get("reason") or "").strip()[:200]
        if not reason:
            flash(_("Give a reason for the lock."), "error")
            return redirect(url_for(".show", sub=sub))
        accounts.lock(services.session(), account, reason)
        # "by": the name the person reads on their account page (idp.account_history).
        auditing.record(services.session(), "account.lock", account.sub,
                        {"reason": reason, "by": member().name})
        flash(_("The account is locked."))
        return redirect(url_for(".show", sub=sub))

    @bp.post("/<sub>/unlock")
    @requires(*ACTORS)
    def unlock(sub: str):
        account = _account(services, sub)
        if not _may_act_on(account):
            abort(403)
        accounts.unlock(services.session(), account)
        auditing.record(services.session(), "account.unlock", account.sub,
                        {"by": member().name})
        flash(_("The account is unlocked."))
        return redirect(url_for(".show", sub=sub))

    return bp


SECTION = Section(name="people", label=_l("People"), endpoint="console_people.index",
                  roles=READERS, blueprint=blueprint, order=10)
