"""Keys: every signing key with its state (never a private part) and its owner's next
scheduled rotation, and "rotate now" (with a pre-publication time: 0 after a
compromise). One owner's page and schedules: admin.console.key_owner_page;
revocation and re-issue: admin.console.key_revocation_page (their routes join this
blueprint).

Who: platform administrators and auditors see every key, a department administrator
its department's (``dept:<code>``). Rotating publishes a next key that signs after
``ONEGATE_KEY_PREPUBLISH`` unless the form gives another time (the key ring's own
``rotate``, as ``onegate keys rotate``):
platform administrators for any owner, a department administrator for its own
department (ES256, the one algorithm departments sign with). Audited as
``console.key.rotate``.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from admin import key_admin
from admin.console import auditing, key_owner_page, key_revocation_page
from admin.console.guard import member, require_department, requires
from admin.console.key_ages import department_of
from admin.console.key_owner_page import duration
from admin.console.pages import console_blueprint
from admin.console.sections import Section
from admin.console.services import ConsoleServices
from idp.staff import AUDITOR, DEPARTMENT_ADMIN, PLATFORM_ADMIN
from keys.owners import check_owner

READERS = (PLATFORM_ADMIN, DEPARTMENT_ADMIN, AUDITOR)
ROTATORS = (PLATFORM_ADMIN, DEPARTMENT_ADMIN)
ALGORITHMS = ("RS256", "ES256", "EdDSA")


def _visible(records):
    who = member()
    if who.has(PLATFORM_ADMIN, AUDITOR):
        return records
    return [r for r in records if department_of(r.owner) is not None
            and who.may_reach_department(department_of(r.owner))]


def _check_rotation(services: ConsoleServices, owner: str, alg: str) -> None:
    """403 outside the member's scope, 400 for an owner or algorithm that cannot be."""
    from credentials import catalogue

    try:
        check_owner(owner)
    except ValueError:
        abort(400)
    code = department_of(owner)
    if code is None:
        if not member().has(PLATFORM_ADMIN):
            abort(403)
        if alg not in ALGORITHMS:
            abort(400)
        return
    require_department(code, write=True)
    if catalogue.get_department_or_none(services.session(), code) is None:
        abort(404)
    if alg != catalogue.SIGNING_ALG:
        abort(400)


def blueprint(services: ConsoleServices):
    """``console_keys``: /admin/keys and /admin/keys/rotate."""
    bp = console_blueprint("console_keys", "/admin/keys", services)

    @bp.get("")
    @requires(*READERS)
    def index():
        records = _visible(services.keyring.records())
        owners = sorted({r.owner for r in records if member().has(PLATFORM_ADMIN) or
                         department_of(r.owner) is not None})
        planned = {s.owner: s.next_rotation_at
                   for s in key_admin.schedules(services.credentials).list_all()}
        return render_template("console/keys.html", records=records, owners=owners,
                               planned=planned, may_rotate=member().has(*ROTATORS),
                               may_register=member().has(PLATFORM_ADMIN))

    @bp.post("/rotate")
    @requires(*ROTATORS)
    def rotate():
        owner = (request.form.get("owner") or "").strip()
        alg = (request.form.get("alg") or "").strip()
        _check_rotation(services, owner, alg)
        prepublish = duration("prepublish", services.settings.key_prepublish)
        if prepublish is None:
            abort(400)
        record = services.keyring.rotate(owner, alg, prepublish)
        auditing.record(services.session(), "key.rotate", record.kid, {
            "owner": owner, "alg": alg, "activates_at": record.activates_at.isoformat()})
        flash(_("New key %(kid)s published; it signs from %(when)s.", kid=record.kid[:12],
                when=record.activates_at.strftime("%Y-%m-%d %H:%M UTC")))
        if request.form.get("back") == "owner":
            return redirect(url_for(".owner_page", owner=owner))
        return redirect(url_for(".index"))

    key_owner_page.add_routes(bp, services)
    key_revocation_page.add_routes(bp, services)
    return bp


SECTION = Section(name="keys", label=_l("Keys"), endpoint="console_keys.index",
                  roles=READERS, blueprint=blueprint, order=50)
