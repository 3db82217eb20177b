"""Keys, one owner at a time: its keys with their states, its rotation schedule (set,
change, stop), and registering a department (issuer) with its first key.

Routes join the ``console_keys`` blueprint (admin.console.keys_page). Who: a
platform administrator for every owner (and registers departments); a department
administrator for its own department; an auditor reads. The provider's and the audit
trail's keys are the platform administrator's. Scope is checked on the owner named
in the URL against the member's grants, never on a form field. The work is
admin.key_admin's, as ``onegate keys schedule`` does it.

The schedule store and the key ring commit on their own sessions (keys.sql_store);
they run before the request's unit of work writes, and the audit entry follows in
the request's transaction.
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from admin import key_admin
from admin.console import auditing
from admin.console.guard import member, require_department, requires
from admin.console.key_ages import department_of
from admin.console.services import ConsoleServices
from admin.settings import parse_duration
from credentials import catalogue
from credentials.errors import CredentialsError
from idp.staff import AUDITOR, DEPARTMENT_ADMIN, PLATFORM_ADMIN

READERS = (PLATFORM_ADMIN, DEPARTMENT_ADMIN, AUDITOR)
WRITERS = (PLATFORM_ADMIN, DEPARTMENT_ADMIN)
#: Owners that are no department: the platform administrator's (the auditor reads).
PLATFORM_OWNERS = ("provider", "audit")


def require_owner(services: ConsoleServices, owner: str, *, write: bool = False) -> None:
    """403 unless the member may read (``write``: change) ``owner``'s keys; 404 for an
    owner that is neither ours nor a registered department."""
    code = department_of(owner)
    if code is None:
        if owner not in PLATFORM_OWNERS:
            abort(404)
        if not (member().has(PLATFORM_ADMIN) or (not write and member().has(AUDITOR))):
            abort(403)
        return
    require_department(code, write=write)
    if catalogue.get_department_or_none(services.session(), code) is None:
        abort(404)


def may_write(owner: str) -> bool:
    """Whether the member may change ``owner``'s keys (for showing forms)."""
    code = department_of(owner)
    if code is None:
        return member().has(PLATFORM_ADMIN)
    return member().may_reach_department(code, write=True)


def duration(name: str, default: int | None = None) -> timedelta | None:
    """The form field ``name`` as a duration (``default`` seconds when empty); None
    when it is not one."""
    text = (request.form.get(name) or "").strip()
    if not text and default is not None:
        return timedelta(seconds=default)
    try:
        return timedelta(seconds=parse_duration(text))
    except ValueError:
        return None


def add_routes(bp, services: ConsoleServices) -> None:
    """Add the owner page, the schedule form and department registration to ``bp``."""
    work = services.credentials  # sessions, key ring and unit of work: admin.key_admin's

    @bp.get("/owners/<owner>")
    @requires(*READERS)
    def owner_page(owner: str):
        require_owner(services, owner)
        schedule = key_admin.schedules(work).get(owner)
        return render_template(
            "console/keys_owner.html", owner=owner, rows=key_admin.key_rows(work, owner),
            schedule=schedule and key_admin.schedule_json(schedule),
            algorithms=_algorithms(owner), may_write=may_write(owner))

    def _algorithms(owner: str) -> list[str]:
        if department_of(owner) is not None:
            return [catalogue.SIGNING_ALG]
        return sorted({r.alg for r in work.keyring.records(owner) if r.state == "active"})

    @bp.post("/owners/<owner>/schedule")
    @requires(*WRITERS)
    def schedule(owner: str):
        require_owner(services, owner, write=True)
        back = redirect(url_for(".owner_page", owner=owner))
        if request.form.get("off"):
            if key_admin.remove_schedule(work, owner):
                auditing.record(services.session(), "key.unschedule", owner, {})
            flash(_("Rotation on a schedule is off."))
            return back
        every = duration("every")
        prepublish = duration("prepublish", services.settings.key_prepublish)
        try:
            if every is None or prepublish is None:
                raise key_admin.KeyAdminError("not a duration")
            made = key_admin.set_schedule(work, owner, every, prepublish)
        except key_admin.KeyAdminError:
            flash(_("Give a period of at least 1 day (e.g. 90d) and a pre-publication "
                    "time shorter than it (e.g. 7d)."), "error")
            return back
        auditing.record(services.session(), "key.schedule", owner,
                        key_admin.schedule_json(made))
        flash(_("Keys will be rotated on the schedule."))
        return back

    @bp.get("/departments/new")
    @requires(PLATFORM_ADMIN)
    def department_form():
        return render_template("console/department_new.html", errors=[], form={})

    @bp.post("/departments")
    @requires(PLATFORM_ADMIN)
    def department_add():
        form = {k: (request.form.get(k) or "").strip() for k in ("code", "name", "uscc")}
        try:
            # Its own transaction, then the key ring's (catalogue.create_department).
            catalogue.create_department(work.sessions, work.keyring, **form)
        except CredentialsError as exc:
            return render_template("console/department_new.html", form=form,
                                   errors=sorted({e.field for e in exc.errors})), 422
        auditing.record(services.session(), "department.add", form["code"],
                        {"name": form["name"], "uscc": form["uscc"]})
        flash(_("Department registered with its signing key."))
        return redirect(url_for(".owner_page", owner=f"dept:{form['code']}"))
