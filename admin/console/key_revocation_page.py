"""A compromised key, in the console: the impact report (licences in force it signed,
by type), revocation after typing the kid's first characters, and the re-issue of
those licences with the department's current key (credentials.key_compromise, as
``onegate keys revoke`` and ``onegate licenses reissue`` do).

Routes join the ``console_keys`` blueprint. Who: a platform administrator for every
key, a department administrator for its own department's; nobody else reaches even
the impact page (an auditor reads the outcome in the audit trail). The re-issue
does at most ``REISSUE_BATCHES`` batches per request, each committed on its own
(resumable: the page shows what is left and offers to go on).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from admin import key_admin
from admin.console import auditing
from admin.console.guard import member, requires
from admin.console.key_owner_page import WRITERS, require_owner
from admin.console.services import ConsoleServices
from credentials import key_compromise
from credentials.errors import CredentialsError
from edge.timestamps import utcnow
from keys import KeyRecord

#: Batches (of key_compromise.BATCH licences) re-issued per request.
REISSUE_BATCHES = 5


def _key(services: ConsoleServices, kid: str) -> KeyRecord:
    found = [r for r in services.keyring.records() if r.kid == kid]
    if not found:
        abort(404)
    return found[0]


def add_routes(bp, services: ConsoleServices) -> None:
    """Add the revocation page, revoke and re-issue to ``bp``."""
    work = services.credentials

    @bp.get("/<kid>/revoke")
    @requires(*WRITERS)
    def revoke_form(kid: str):
        record = _key(services, kid)
        require_owner(services, record.owner, write=True)
        impact = key_compromise.impact(services.session(), kid, utcnow())
        return render_template("console/keys_revoke.html", record=record, impact=impact)

    @bp.post("/<kid>/revoke")
    @requires(*WRITERS)
    def revoke(kid: str):
        record = _key(services, kid)
        require_owner(services, record.owner, write=True)
        back = redirect(url_for(".revoke_form", kid=kid))
        if (request.form.get("confirm") or "").strip() != kid[:8]:
            flash(_("Type the first 8 characters of the key's kid to confirm."), "error")
            return back
        done = key_admin.revoke(work, kid)
        auditing.record(services.session(), "key.revoke", kid, {
            "owner": record.owner, "alg": record.alg,
            "licences_in_force": done.impact.total, "by_type": done.impact.by_type})
        flash(_("Key revoked: %(count)d licence(s) in force no longer verify.",
                count=done.impact.total))
        return back

    @bp.post("/<kid>/reissue")
    @requires(*WRITERS)
    def reissue(kid: str):
        record = _key(services, kid)
        require_owner(services, record.owner, write=True)
        back = redirect(url_for(".revoke_form", kid=kid))
        if record.state != "revoked":
            flash(_("Revoke the key first: licences are re-issued only once it no longer "
                    "signs."), "error")
            return back
        try:
            done = key_compromise.reissue_all(work.deps, kid, max_batches=REISSUE_BATCHES,
                                              actor=auditing.actor(member().sub))
        except CredentialsError as exc:
            flash(_("Re-issue stopped: %(reason)s", reason=exc.detail or exc.title), "error")
            return back
        auditing.record(services.session(), "licenses.reissue", kid,
                        {"owner": record.owner, "reissued": len(done)})
        flash(_("%(count)d licence(s) re-issued with the current key.", count=len(done)))
        return back
