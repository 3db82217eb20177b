"""The audit trail, read only: newest first, 50 entries a page, paged by sequence
number (``?before=SEQ``), optionally filtered by action prefix (``?action=console.``)
or actor. Who: auditors and platform administrators. Reading changes nothing, so
nothing is appended (``onegate audit verify`` checks the chain)."""

from __future__ import annotations

import json

from flask import abort, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from admin.console.guard import requires
from admin.console.pages import console_blueprint
from admin.console.sections import Section
from admin.console.services import ConsoleServices
from audit.models import AuditEntry
from idp.staff import AUDITOR, PLATFORM_ADMIN

PAGE = 50
MAX_FILTER = 100


def _int_arg(name: str) -> int | None:
    value = request.args.get(name)
    if value in (None, ""):
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        abort(400)
    return int(value)


def _page(services: ConsoleServices, before: int | None, action: str, actor: str):
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(PAGE + 1)
    if before is not None:
        query = query.where(AuditEntry.seq < before)
    if action:
        query = query.where(AuditEntry.action.startswith(action, autoescape=True))
    if actor:
        query = query.where(AuditEntry.actor == actor)
    rows = list(services.session().scalars(query))
    return rows[:PAGE], len(rows) > PAGE


def blueprint(services: ConsoleServices):
    """``console_audit``: /admin/audit."""
    bp = console_blueprint("console_audit", "/admin/audit", services)

    @bp.get("")
    @requires(PLATFORM_ADMIN, AUDITOR)
    def index():
        before = _int_arg("before")
        action = (request.args.get("action") or "").strip()[:MAX_FILTER]
        actor = (request.args.get("actor") or "").strip()[:MAX_FILTER]
        entries, more = _page(services, before, action, actor)
        return render_template("console/audit.html", entries=entries, more=more,
                               action=action, actor=actor, before=before,
                               as_json=lambda data: json.dumps(data, ensure_ascii=False,
                                                               sort_keys=True))

    return bp


SECTION = Section(name="audit", label=_l("Audit trail"), endpoint="console_audit.index",
                  roles=(PLATFORM_ADMIN, AUDITOR), blueprint=blueprint, order=60)
