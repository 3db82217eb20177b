"""Staff and halls: who holds which role over what, granting and revoking within
one's authority, and the halls themselves.

- Platform administrators grant and revoke every role, register and edit halls.
- A hall administrator grants and revokes the ``clerk`` role over its own halls
  only, and only to staff accounts (it manages its hall's counter clerks).
- Auditors read; other roles have no entry.

Each change is audited (``console.staff.grant``, ``console.staff.revoke``,
``console.hall.add``, ``console.hall.edit``) and uses idp's own functions
(idp.staff, idp.halls), as ``onegate staff`` and ``onegate halls`` do.
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
from idp import accounts, halls, staff
from idp.errors import (
    AccountError,
    DuplicateHall,
    InvalidAccountData,
    UnknownAccount,
    UnknownHall,
)
from idp.staff import AUDITOR, CLERK, HALL_ADMIN, PLATFORM_ADMIN

READERS = (PLATFORM_ADMIN, HALL_ADMIN, AUDITOR)
GRANTERS = (PLATFORM_ADMIN, HALL_ADMIN)


def _message(error: AccountError) -> str:
    """A readable, translated sentence for what idp refused."""
    if isinstance(error, UnknownHall):
        return _("No such hall.")
    if isinstance(error, DuplicateHall):
        return _("A hall with this code already exists.")
    if isinstance(error, staff.UnknownGrant):
        return _("The account does not hold this role.")
    if isinstance(error, InvalidAccountData):
        return {"account": _("Only staff accounts hold roles."),
                "code": _("A hall code has 2-32 characters: a-z, 0-9 and '-'."),
                "department": _("No department has this code."),
                "scope": _("This role needs a department or hall code; platform "
                           "administrators and auditors take none."),
                }.get(error.field, _("Check the name, level and region."))
    return _("The change was refused.")


def _visible_grants(services: ConsoleServices):
    rows = staff.holders(services.session())
    own = member().halls()
    if own is None:
        return rows
    return [(a, g) for a, g in rows if staff.SCOPES[g.role] == "hall" and g.scope in own]


def _may_manage(wanted: staff.Grant) -> bool:
    """Platform administrators: any grant; a hall administrator: clerks of its halls."""
    who = member()
    if who.has(PLATFORM_ADMIN):
        return True
    return wanted.role == CLERK and wanted.scope in who.scopes(HALL_ADMIN)


def _form_grant(services: ConsoleServices) -> tuple:
    """(account, checked grant) from the form; 403 outside the member's authority
    (checked before anything is looked up), AccountError for bad input."""
    role = (request.form.get("role") or "").strip()
    scope = (request.form.get("scope") or "").strip().lower()
    if role not in staff.ROLES:
        abort(400)
    if not _may_manage(staff.Grant(role, scope)):
        abort(403)
    account = accounts.get_by_reference(services.session(), request.form.get("account", ""))
    return account, staff.check_grant(services.session(), role, scope or None,
                                      services.idp.department_exists)


def blueprint(services: ConsoleServices):
    """``console_staff``: /admin/staff (grants) and /admin/staff/halls."""
    bp = console_blueprint("console_staff", "/admin/staff", services)

    @bp.get("")
    @requires(*READERS)
    def index():
        who = member()
        own = who.halls()
        return render_template(
            "console/staff.html", grants=_visible_grants(services),
            halls=halls.list_halls(services.session(), None if own is None else sorted(own)),
            roles=staff.ROLES if who.has(PLATFORM_ADMIN) else (CLERK,),
            may_grant=who.has(*GRANTERS), may_edit_halls=who.has(PLATFORM_ADMIN),
            levels=halls.LEVELS)

    @bp.post("/grant")
    @requires(*GRANTERS)
    def grant():
        try:
            account, wanted = _form_grant(services)
            added = staff.grant(services.session(), account, wanted, auditing.actor(member().sub))
        except UnknownAccount:
            flash(_("No such staff account."), "error")
            return redirect(url_for(".index"))
        except AccountError as exc:
            flash(_message(exc), "error")
            return redirect(url_for(".index"))
        if added:
            auditing.record(services.session(), "staff.grant", account.sub,
                            {"role": wanted.role, "scope": wanted.scope})
        flash(_("Role granted.") if added else _("The account already holds this role."))
        return redirect(url_for(".index"))

    @bp.post("/revoke")
    @requires(*GRANTERS)
    def revoke():
        try:
            account, unwanted = _form_grant(services)
            staff.revoke(services.session(), account, unwanted)
        except UnknownAccount:
            flash(_("No such staff account."), "error")
            return redirect(url_for(".index"))
        except AccountError as exc:
            flash(_message(exc), "error")
            return redirect(url_for(".index"))
        auditing.record(services.session(), "staff.revoke", account.sub,
                        {"role": unwanted.role, "scope": unwanted.scope})
        flash(_("Role revoked."))
        return redirect(url_for(".index"))

    @bp.post("/halls")
    @requires(PLATFORM_ADMIN)
    def add_hall():
        form = request.form
        try:
            hall = halls.add(services.session(), form.get("code", ""), form.get("name", ""),
                             form.get("level", ""), form.get("region", ""))
        except AccountError as exc:
            flash(_message(exc), "error")
            return redirect(url_for(".index"))
        auditing.record(services.session(), "hall.add", hall.code,
                        {"name": hall.name, "level": hall.level, "region": hall.region})
        flash(_("Hall registered."))
        return redirect(url_for(".index"))

    @bp.post("/halls/edit")
    @requires(PLATFORM_ADMIN)
    def edit_hall():
        code = request.form.get("code", "")
        changes = halls.HallChanges(name=request.form.get("name") or None,
                                    region=request.form.get("region") or None,
                                    level=request.form.get("level") or None,
                                    disabled=request.form.get("disabled") == "1")
        try:
            hall = halls.edit(services.session(), code, changes)
        except AccountError as exc:
            flash(_message(exc), "error")
            return redirect(url_for(".index"))
        auditing.record(services.session(), "hall.edit", hall.code, halls.row(hall))
        flash(_("Hall updated."))
        return redirect(url_for(".index"))

    return bp


SECTION = Section(name="staff", label=_l("Staff and halls"), endpoint="console_staff.index",
                  roles=READERS, blueprint=blueprint, order=20)
