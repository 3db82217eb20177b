"""The console's licence catalogue: types (list, create with the schema editor, new
version, retire, issuing departments).

Who may do what:

- platform administrator: everything;
- department administrator: sees the types their departments issue or once issued;
  creates types issued by their own departments only; adds versions to and retires
  the types only their own departments issue (a type shared with another department
  is changed by a platform administrator); never chooses issuers;
- auditor: reads everything, changes nothing.

Changes go through credentials.type_lifecycle (which appends the domain entry) and
``auditing.record`` (the console entry), in the request's unit of work; once
committed the app's issuance cache and published catalogue are told
(``catalogue_changed``).
"""

from __future__ import annotations

from flask import abort, after_this_request, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from admin.console import auditing, type_editor
from admin.console.guard import member, requires
from admin.console.pages import console_blueprint
from admin.console.principal import StaffMember
from admin.console.sections import Section
from admin.console.services import ConsoleServices
from credentials import catalogue, catalogue_json, type_lifecycle
from credentials.errors import CredentialsError, FieldError, NotFound
from credentials.models import LicenceType
from idp.staff import AUDITOR, DEPARTMENT_ADMIN, PLATFORM_ADMIN

READERS = (PLATFORM_ADMIN, DEPARTMENT_ADMIN, AUDITOR)
WRITERS = (PLATFORM_ADMIN, DEPARTMENT_ADMIN)


def may_see(who: StaffMember, row: LicenceType) -> bool:
    scope = who.departments()
    return scope is None or bool(scope & {*row.departments, *row.former_departments})


def may_change(who: StaffMember, row: LicenceType) -> bool:
    """Platform administrators; a department administrator when every department that
    issues the type now is theirs."""
    if who.has(PLATFORM_ADMIN):
        return True
    own = who.scopes(DEPARTMENT_ADMIN)
    return bool(row.departments) and set(row.departments) <= own


def blueprint(services: ConsoleServices):
    """``console_catalogue``: /admin/catalogue..."""
    bp = console_blueprint("console_catalogue", "/admin/catalogue", services)
    creds = services.credentials

    def load(code: str, *, write: bool = False) -> LicenceType:
        try:
            row = type_lifecycle.get(services.session(), code, for_update=write)
        except NotFound:
            abort(404)
        who = member()
        if not may_see(who, row) or (write and not may_change(who, row)):
            abort(403)
        return row

    def changed(code: str) -> None:
        @after_this_request
        def _tell(response):
            # After-request hooks run once admin.edge has committed the view's work: the
            # cache and the published catalogue are refreshed from the committed rows.
            creds.catalogue_changed(code)
            return response

    @bp.get("")
    @requires(*READERS)
    def index():
        who = member()
        rows = [r for r in catalogue.list_types(services.session()) if may_see(who, r)]
        return render_template("console/catalogue.html", rows=rows,
                               may_create=who.has(*WRITERS))

    @bp.route("/new", methods=["GET", "POST"])
    @requires(*WRITERS)
    def create():
        who = member()
        own = sorted(who.scopes(DEPARTMENT_ADMIN))
        if request.method == "GET":
            return _editor(type_editor.Edited(type_editor.new_type_template(own[:1])), None)
        edited = type_editor.parse(request.form.get("definition"))
        if request.form.get("intent") != "save" or edited.errors:
            return _editor(type_editor.previewed(edited, creds.issuer), None)
        departments = edited.definition.get("departments") if isinstance(
            edited.definition, dict) else None
        if not who.has(PLATFORM_ADMIN) and (not isinstance(departments, list) or
                                            not set(departments) <= set(own)):
            edited.errors = [FieldError("departments", "not_your_department",
                                        _("Only your own departments."))]
            return _editor(edited, None), 403
        db = services.session()
        try:
            row = type_lifecycle.create(db, edited.definition,
                                        actor=auditing.actor(who.sub))
        except CredentialsError as exc:
            edited.errors = exc.errors
            return _editor(edited, None), 422
        auditing.record(db, "type.add", row.code, {"departments": list(row.departments)})
        changed(row.code)
        flash(_("Licence type %(code)s registered.", code=row.code))
        return redirect(url_for(".show", code=row.code))

    @bp.get("/<code>")
    @requires(*READERS)
    def show(code: str):
        row = load(code)
        versions = type_lifecycle.versions(services.session(), code)
        return render_template("console/catalogue_type.html", row=row,
                               detail=catalogue_json.detail(creds.issuer, row, versions),
                               may_change=may_change(member(), row) and member().has(*WRITERS),
                               may_choose_issuers=member().has(PLATFORM_ADMIN),
                               departments=catalogue.list_departments(services.session()),
                               pretty=type_editor.pretty)

    @bp.route("/<code>/versions", methods=["GET", "POST"])
    @requires(*WRITERS)
    def add_version(code: str):
        row = load(code, write=request.method == "POST")
        if request.method == "GET":
            return _editor(type_editor.Edited(type_editor.version_template(row)), row)
        edited = type_editor.parse(request.form.get("definition"))
        if request.form.get("intent") != "save" or edited.errors:
            return _editor(type_editor.previewed(edited, creds.issuer, for_version_of=row), row)
        db = services.session()
        try:
            added = type_lifecycle.add_version(db, code, edited.definition,
                                               actor=auditing.actor(member().sub))
        except CredentialsError as exc:
            edited.errors = exc.errors or [FieldError("status", exc.slug, exc.detail)]
            return _editor(edited, row), exc.status
        auditing.record(db, "type.add_version", code, {"version": added.version})
        changed(code)
        flash(_("Version %(version)d is now issued.", version=added.version))
        return redirect(url_for(".show", code=code))

    @bp.post("/<code>/retire")
    @requires(*WRITERS)
    def retire(code: str):
        load(code, write=True)
        db = services.session()
        reason = request.form.get("reason")
        try:
            type_lifecycle.retire(db, code, reason, actor=auditing.actor(member().sub),
                                  now=creds.clock())
        except CredentialsError as exc:
            return _refused(code, exc)
        auditing.record(db, "type.retire", code, {"reason": reason.strip()})
        changed(code)
        flash(_("Licence type retired; its licences keep verifying."))
        return redirect(url_for(".show", code=code))

    @bp.post("/<code>/issuers")
    @requires(PLATFORM_ADMIN)
    def issuers(code: str):
        load(code, write=True)
        db = services.session()
        department = request.form.get("department") or ""
        allow = request.form.get("allow") == "1"
        change = type_lifecycle.allow if allow else type_lifecycle.disallow
        try:
            done = change(db, code, department, actor=auditing.actor(member().sub))
        except CredentialsError as exc:
            return _refused(code, exc)
        if done:
            auditing.record(db, "type.allow" if allow else "type.disallow", code,
                            {"department": department})
            changed(code)
        flash(_("%(department)s may issue this type.", department=department) if allow else
              _("%(department)s may no longer issue this type; its licences keep verifying.",
                department=department))
        return redirect(url_for(".show", code=code))

    def _refused(code: str, exc: CredentialsError):
        flash(exc.detail or exc.title, "error")
        for error in exc.errors:
            flash(f"{error.field}: {error.reason}" + (f" ({error.message})" if error.message
                                                      else ""), "error")
        return redirect(url_for(".show", code=code)), 303

    def _editor(edited: type_editor.Edited, row: LicenceType | None):
        return render_template("console/catalogue_editor.html", edited=edited, row=row,
                               pretty=type_editor.pretty)

    return bp


SECTION = Section(name="catalogue", label=_l("Licence catalogue"),
                  endpoint="console_catalogue.index", roles=READERS, blueprint=blueprint,
                  order=45)
