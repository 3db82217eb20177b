"""The console's licences: search (identifier, holder, type, department, status),
one licence's record, history and uses, and suspend / reinstate / revoke with a
reason.

A department administrator searches, reads and acts on their own departments'
licences only; another department's licence answers 404, as an unknown one does
(credentials.licence_search: a scope is no oracle). Platform administrators see
and act on all; auditors read all and change nothing.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from admin.console import auditing
from admin.console.guard import member, requires
from admin.console.pages import console_blueprint
from admin.console.sections import Section
from admin.console.services import ConsoleServices
from credentials import licence_admin, licence_search, public_reasons
from credentials.errors import CredentialsError, NotFound, ValidationFailed
from credentials.models import STATES
from idp.staff import AUDITOR, DEPARTMENT_ADMIN, PLATFORM_ADMIN

READERS = (PLATFORM_ADMIN, DEPARTMENT_ADMIN, AUDITOR)
WRITERS = (PLATFORM_ADMIN, DEPARTMENT_ADMIN)
PAGE = 50


def _query(args) -> licence_search.LicenceQuery:
    def text(name: str) -> str | None:
        value = (args.get(name) or "").strip()
        return value[:200] or None

    page = args.get("page", "1")
    number = int(page) if page.isascii() and page.isdigit() and 0 < len(page) < 7 else 1
    return licence_search.LicenceQuery(
        identifier=text("id"), holder=text("holder"), type_code=text("type"),
        department=text("department"), state=text("status"), limit=PAGE,
        offset=(number - 1) * PAGE)


def blueprint(services: ConsoleServices):
    """``console_licences``: /admin/licences..."""
    bp = console_blueprint("console_licences", "/admin/licences", services)
    creds = services.credentials

    @bp.get("")
    @requires(*READERS)
    def index():
        query = _query(request.args)
        page, errors = None, []
        if any((query.identifier, query.holder, query.type_code, query.department,
                query.state)) or request.args.get("all"):
            try:
                page = licence_search.search(services.session(), query,
                                             scope=member().departments())
            except ValidationFailed as exc:
                errors = exc.errors
        return render_template("console/licences.html", query=query, page=page,
                               errors=errors, states=STATES,
                               number=query.offset // PAGE + 1, args=request.args)

    @bp.get("/<identifier>")
    @requires(*READERS)
    def show(identifier: str):
        db = services.session()
        try:
            licence = licence_search.get_in_scope(db, identifier, member().departments())
        except (NotFound, ValidationFailed):
            abort(404)
        uses = creds.licence_uses(db, licence.identifier, licence_admin.USES_SHOWN)
        who = member()
        return render_template(
            "console/licence.html", licence=licence,
            details=licence_admin.details(db, licence, uses),
            may_act=who.has(*WRITERS) and who.may_reach_department(licence.department_code,
                                                                    write=True),
            actions=licence_admin.allowed_actions(licence.state),
            public_reasons=_public_reason_choices(),
            public_reason=public_reasons.of(licence.public_reason, licence.public_note))

    @bp.post("/<identifier>/<action>")
    @requires(*WRITERS)
    def act(identifier: str, action: str):
        if action not in licence_admin.ACTIONS:
            abort(404)
        who = member()
        db = services.session()
        # Write scope: a department administrator's own departments (None: all).
        scope = None if who.has(PLATFORM_ADMIN) else who.scopes(DEPARTMENT_ADMIN)
        reason = request.form.get("reason")
        # An empty choice or note is none (the form always sends both fields).
        public_reason = request.form.get("public_reason") or None
        public_note = request.form.get("public_note") or None
        try:
            licence = licence_admin.act(db, identifier, action, reason, scope=scope,
                                        actor=auditing.actor(who.sub), now=creds.clock(),
                                        public_reason=public_reason, public_note=public_note)
        except NotFound:
            abort(404)
        except CredentialsError as exc:
            if any(e.field == "id" for e in exc.errors):
                abort(404)
            flash(exc.detail or exc.title, "error")
            return redirect(url_for(".show", identifier=identifier)), 303
        auditing.record(db, f"licence.{action}", licence.identifier,
                        {"reason": licence.state_reason, "state": licence.state,
                         "public_reason": licence.public_reason})
        flash(_("Done: the licence is now %(state)s.", state=_state_label(licence.state)))
        return redirect(url_for(".show", identifier=identifier))

    return bp


def _public_reason_choices() -> list[tuple[str, str]]:
    """(code, label) of each public reason, in the console's language."""
    chinese = str(get_locale() or "").startswith("zh")
    return [(code, zh if chinese else en)
            for code, (zh, en) in public_reasons.REASONS.items()]


def _state_label(state: str) -> str:
    return {"valid": _("valid"), "suspended": _("suspended"), "revoked": _("revoked")}[state]


SECTION = Section(name="licences", label=_l("Licences"), endpoint="console_licences.index",
                  roles=READERS, blueprint=blueprint, order=40)
