"""Account help at the counter (section ``recovery``): a clerk finds the person in
front of them by the citizen ID number or credit code on the ID document they
checked, issues a one-time password or authenticator reset (a QR code the person
scans with their own phone, and the code to type), and sees and ends the account's
sessions. The work is idp.counter's, as in ``onegate accounts ...``; locking is on
the People page (admin.console.people), which links here.

Who: counter clerks, at a hall they hold the role over (choosing another hall is
403), and platform administrators (any hall, or none). Each reset needs the ID
document check confirmed on the form itself, and names the hall; staff accounts
are never reset here (403). Audit: idp.counter writes ``operator.account.*`` with
actor ``staff:<sub>`` and the console's ``role`` and ``username`` (the person reads
those entries, with the clerk's name and hall, on their account page); a lookup is
``console.recovery.find``.
"""

from __future__ import annotations

import base64
import io

import segno
from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from admin.console import auditing
from admin.console.guard import acting_role, member, require_hall, requires
from admin.console.pages import console_blueprint
from admin.console.people import mask
from admin.console.sections import Section
from admin.console.services import ConsoleServices
from idp import accounts, counter, halls
from idp.errors import InvalidAccountData, NotRecoverableAtCounter, UnknownAccount
from idp.models.accounts import Account
from idp.recovery_audit import Actor
from idp.staff import CLERK, PLATFORM_ADMIN

ROLES = (PLATFORM_ADMIN, CLERK)
#: What a reset form's ``what`` asks for: (password, authenticator).
RESETS = {"password": (True, False), "totp": (False, True), "both": (True, True)}


def _person(services: ConsoleServices, sub: str) -> Account:
    """The citizen's or enterprise's account; 404 unknown, 403 a staff account."""
    account = accounts.get_by_sub(services.session(), sub)
    if account is None:
        abort(404)
    if account.kind == "staff":
        abort(403)
    return account


def _halls(services: ConsoleServices) -> list:
    """The halls the member may serve at (a platform administrator: every hall)."""
    who = member()
    codes = None if who.has(PLATFORM_ADMIN) else sorted(who.scopes(CLERK))
    return halls.list_halls(services.session(), codes)


def _hall(services: ConsoleServices) -> str | None:
    """The hall chosen on the form: one of a clerk's own (403 otherwise); a platform
    administrator may choose none. Its name, or None."""
    code = (request.form.get("hall") or "").strip() or None
    if code is None:
        if not member().has(PLATFORM_ADMIN):
            abort(403)
        return None
    require_hall(code, write=True, roles=(CLERK,))
    return halls.get(services.session(), code).name


def _actor(hall: str | None) -> Actor:
    who = member()
    return Actor(ref=auditing.actor(who.sub), name=who.name, hall=hall,
                 extra={"role": acting_role(), "username": who.username})


def _qr(link: str) -> str:
    """The link as an SVG QR code in a ``data:`` URI, for the person's phone camera."""
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="svg", scale=4, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def _page(services: ConsoleServices, account: Account, *, issued=None,
          error: str | None = None, status: int = 200):
    listed = counter.sessions(services.session(), services.idp.sso, account)
    return render_template("console/recovery_person.html", person=account, sessions=listed,
                           halls=_halls(services), issued=issued, mask=mask, error=error,
                           qr=_qr(issued.link) if issued else None), status


def _find(services: ConsoleServices):
    identifier = (request.form.get("identifier") or "").strip()[:32]
    try:
        account = counter.find_person(services.session(), identifier)
    except InvalidAccountData:
        return _search(_("This is not a valid citizen ID number or unified social credit "
                         "code."), 400)
    except UnknownAccount:
        return _search(_("No citizen or enterprise has this number."), 404)
    except NotRecoverableAtCounter:
        return _search(_("Staff accounts are not helped at the counter."), 403)
    auditing.record(services.session(), "recovery.find", account.sub, {})
    return redirect(url_for(".person", sub=account.sub), 303)


def _search(error: str | None = None, status: int = 200):
    return render_template("console/recovery.html", error=error), status


def _reset(services: ConsoleServices, sub: str):
    account = _person(services, sub)
    if account.kind == "enterprise":
        abort(403)  # no password of its own: the representative's account is helped
    what = RESETS.get(request.form.get("what", ""))
    if what is None:
        abort(400)
    hall = _hall(services)
    if request.form.get("id_checked") != "1":
        return _page(services, account, error=_(
            "Check the person's ID document, then tick the box to confirm it."), status=400)
    idp = services.idp
    issued = counter.issue_reset(services.session(), idp.second_factor_keys.reset, idp.issuer,
                                 account, _actor(hall), id_checked=True, password=what[0],
                                 totp=what[1])
    return _page(services, account, issued=issued)


def _end(services: ConsoleServices, sub: str):
    account = _person(services, sub)
    sid = request.form.get("sid") or None
    try:
        counter.end_sessions(services.session(), services.idp.sso, account, _actor(None), sid)
    except UnknownAccount:
        abort(404)
    return redirect(url_for(".person", sub=sub), 303)


def blueprint(services: ConsoleServices):
    """``console_recovery``: /admin/recovery (find), /admin/recovery/<sub> (help),
    /admin/recovery/<sub>/reset, /admin/recovery/<sub>/sessions/end."""
    bp = console_blueprint("console_recovery", "/admin/recovery", services)

    @bp.get("")
    @requires(*ROLES)
    def index():
        return _search()

    @bp.post("")
    @requires(*ROLES)
    def find():
        return _find(services)

    @bp.get("/<sub>")
    @requires(*ROLES)
    def person(sub: str):
        return _page(services, _person(services, sub))

    @bp.post("/<sub>/reset")
    @requires(*ROLES)
    def reset(sub: str):
        return _reset(services, sub)

    @bp.post("/<sub>/sessions/end")
    @requires(*ROLES)
    def end_sessions(sub: str):
        return _end(services, sub)

    return bp


SECTION = Section(name="recovery", label=_l("Account help"),
                  endpoint="console_recovery.index", roles=ROLES, blueprint=blueprint,
                  order=15)
