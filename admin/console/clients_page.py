"""Halls' relying parties in the console: the list with sign-ins per hall, register,
view, edit, disable and enable, rotate the secret (shown once), the trusted flag.

Who may do what (every route checks, whatever the navigation shows):

- a platform administrator: everything, for every client;
- a hall administrator: the clients of their own halls (``hall_code``), registered
  in and kept in one of those halls, asking only the scopes people are asked about
  (``HALL_SCOPES``); system and licence scopes, the trusted flag and clients of no
  hall (departments' systems, the wallet) are the platform administrator's;
- an auditor: reads.

The console's own client (``onegate-console``) is managed by onegate itself: no one
changes it here (its secret is derived from the KEK; disabling it would lock every
operator out). The work is done by the same functions as ``onegate clients``
(idp.registration, idp.client_changes, idp.secret_rotation, idp.sign_in_counts);
each change is audited in the same transaction (admin.console.auditing).
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from admin.console import auditing
from admin.console.client_forms import ClientForm, field_error
from admin.console.guard import member, require_hall, requires
from admin.console.pages import console_blueprint
from admin.console.sections import Section
from admin.console.services import ConsoleServices
from idp import client_changes, secret_rotation
from idp.models.clients import OAuthClient
from idp.registration import UnsupportedScope, check_scopes, client_row, create
from idp.sign_in_counts import china_day, sign_in_counts
from idp.staff import AUDITOR, HALL_ADMIN, PLATFORM_ADMIN

#: What a hall administrator may let a hall's client ask for: what people consent to.
HALL_SCOPES = ("openid", "profile", "email", "phone", "identity")
OVERLAPS = ("24h", "1h", "7d", "0")
PAGE_SIZE = 50
DAYS = 14


def _client(services: ConsoleServices, client_id: str, *, write: bool) -> OAuthClient:
    """The client (404), within the member's halls (403), and for a change never the
    console's own."""
    row = services.session().scalar(select(OAuthClient)
                                     .where(OAuthClient.client_id == client_id))
    if row is None:
        abort(404)
    require_hall(row.hall_code, write=write)
    if write and row.client_id == services.settings.client_id:
        abort(403)
    return row


def _scopes(asked: list[str], registered: list[str]) -> list[str]:
    """The scopes to register: a platform administrator's as asked; a hall
    administrator's HALL_SCOPES as asked plus the other scopes the client already has
    (only a platform administrator adds or removes those). 403 for a hall
    administrator asking a scope beyond HALL_SCOPES that the client does not have."""
    if member().has(PLATFORM_ADMIN):
        return asked
    if set(asked) - set(HALL_SCOPES) - set(registered):
        abort(403)
    kept = [s for s in registered if s not in HALL_SCOPES]
    return list(dict.fromkeys([s for s in asked if s in HALL_SCOPES] + kept))


def _visible(query, halls):
    return query if halls is None else query.where(OAuthClient.hall_code.in_(sorted(halls)))


def _hall_totals(db, rows: list[OAuthClient], since) -> dict[str, int]:
    """Sign-ins since ``since`` per hall code ("" for clients of no hall)."""
    hall_of = {r.client_id: r.hall_code or "" for r in rows}
    totals: dict[str, int] = {}
    for _day, client_id, count in sign_in_counts(db, since, list(hall_of)):
        totals[hall_of[client_id]] = totals.get(hall_of[client_id], 0) + count
    return dict(sorted(totals.items()))


def blueprint(services: ConsoleServices):
    """``console_clients``: /admin/clients and each client's pages."""
    bp = console_blueprint("console_clients", "/admin/clients", services)
    idp = services.idp

    @bp.get("")
    @requires(PLATFORM_ADMIN, HALL_ADMIN, AUDITOR)
    def index():
        db, halls = services.session(), member().halls()
        page = max(request.args.get("page", 1, type=int) or 1, 1)
        total = db.scalar(_visible(select(func.count(OAuthClient.id)), halls))
        rows = list(db.scalars(_visible(select(OAuthClient), halls)
                               .order_by(OAuthClient.hall_code, OAuthClient.name)
                               .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
        since = china_day() - timedelta(days=DAYS - 1)
        counts: dict[str, int] = {}
        for _day, client_id, count in sign_in_counts(db, since, [r.client_id for r in rows]):
            counts[client_id] = counts.get(client_id, 0) + count
        every = list(db.scalars(_visible(select(OAuthClient), halls)))
        return render_template("console/clients.html", rows=rows, counts=counts,
                               hall_totals=_hall_totals(db, every, since), days=DAYS,
                               page=page, pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
                               may_register=member().has(PLATFORM_ADMIN, HALL_ADMIN))

    def page(row: OAuthClient, error: str | None = None, status: int = 200):
        since = china_day() - timedelta(days=DAYS - 1)
        daily = [(day, count) for day, _cid, count
                 in sign_in_counts(services.session(), since, [row.client_id])]
        who = member()
        return render_template(
            "console/client.html", client=client_row(row), row=row, daily=daily, days=DAYS,
            own=row.client_id == services.settings.client_id, error=error,
            may_change=who.may_reach_hall(row.hall_code, write=True),
            may_trust=who.has(PLATFORM_ADMIN),
            has_secret=row.token_endpoint_auth_method in secret_rotation.SECRET_METHODS
        ), status

    @bp.get("/<client_id>")
    @requires(PLATFORM_ADMIN, HALL_ADMIN, AUDITOR)
    def show(client_id: str):
        return page(_client(services, client_id, write=False))

    @bp.route("/new", methods=["GET", "POST"])
    @requires(PLATFORM_ADMIN, HALL_ADMIN)
    def register():
        who = member()
        halls = sorted(who.scopes(HALL_ADMIN)) if not who.has(PLATFORM_ADMIN) else None
        form = ClientForm.from_request(request.form) if request.method == "POST" \
            else ClientForm()
        if request.method == "GET":
            return render_template("console/client_form.html", form=form, halls=halls,
                                   hall_scopes=HALL_SCOPES, new=True)
        require_hall(form.hall_code, write=True)  # a hall administrator: own halls only
        form.scopes = _scopes(form.scopes, [])
        db = services.session()
        new = form.registration()
        try:
            check_scopes(new, idp.licence_type_names)
            row, secret = create(db, new, idp.client_secrets)
        except (UnsupportedScope, ValueError) as exc:
            return render_template("console/client_form.html", form=form, halls=halls,
                                   hall_scopes=HALL_SCOPES, new=True,
                                   error=field_error(str(exc))), 400
        auditing.record(db, "client.add", row.client_id, {
            "name": row.name, "hall": row.hall_code, "scopes": new.scopes,
            "redirect_uris": new.redirect_uris})
        return render_template("console/client_secret.html", client=client_row(row),
                               secret=secret, registered=True)

    @bp.route("/<client_id>/edit", methods=["GET", "POST"])
    @requires(PLATFORM_ADMIN, HALL_ADMIN)
    def edit(client_id: str):
        row = _client(services, client_id, write=True)
        if request.method == "GET":
            return render_template("console/client_form.html", form=ClientForm.of(row),
                                   hall_scopes=HALL_SCOPES, new=False, row=row)
        form = ClientForm.from_request(request.form)
        form.scopes = _scopes(form.scopes, row.scope.split())
        db = services.session()
        try:
            _, changed = client_changes.edit(db, client_id, form.edit(),
                                             idp.licence_type_names)
        except (UnsupportedScope, ValueError) as exc:
            return render_template("console/client_form.html", form=form, new=False, row=row,
                                   hall_scopes=HALL_SCOPES, error=field_error(str(exc))), 400
        if changed:
            auditing.record(db, "client.edit", client_id, {"changed": changed})
        return redirect(url_for(".show", client_id=client_id, done="edited"))

    @bp.post("/<client_id>/disable")
    @requires(PLATFORM_ADMIN, HALL_ADMIN)
    def disable(client_id: str):
        _client(services, client_id, write=True)
        db = services.session()
        _, ended = client_changes.disable(db, idp.denylist, client_id)
        auditing.record(db, "client.disable", client_id, ended)
        return redirect(url_for(".show", client_id=client_id, done="disabled"))

    @bp.post("/<client_id>/enable")
    @requires(PLATFORM_ADMIN, HALL_ADMIN)
    def enable(client_id: str):
        _client(services, client_id, write=True)
        db = services.session()
        client_changes.enable(db, client_id)
        auditing.record(db, "client.enable", client_id)
        return redirect(url_for(".show", client_id=client_id, done="enabled"))

    @bp.post("/<client_id>/rotate")
    @requires(PLATFORM_ADMIN, HALL_ADMIN)
    def rotate(client_id: str):
        row = _client(services, client_id, write=True)
        overlap = request.form.get("overlap", "")
        if overlap not in OVERLAPS:
            abort(400)
        db = services.session()
        window = secret_rotation.parse_overlap(overlap)
        try:
            row, secret = secret_rotation.rotate(db, idp.client_secrets, client_id, window)
        except secret_rotation.RotationError as exc:  # no secret, or a concurrent rotation
            return page(row, error=str(exc), status=409)
        auditing.record(db, "client.rotate_secret", client_id,
                        {"overlap_seconds": int(window.total_seconds())})
        return render_template("console/client_secret.html", client=client_row(row),
                               secret=secret, registered=False)

    @bp.post("/<client_id>/trust")
    @requires(PLATFORM_ADMIN)
    def trust(client_id: str):
        _client(services, client_id, write=True)
        trusted = request.form.get("trusted") == "1"
        db = services.session()
        _, changed = client_changes.set_trusted(db, client_id, trusted)
        auditing.record(db, "client.trust" if trusted else "client.untrust", client_id,
                        {"changed": changed})
        return redirect(url_for(".show", client_id=client_id,
                                done="trusted" if trusted else "untrusted"))

    return bp


SECTION = Section(name="clients", label=_l("Halls' clients"), endpoint="console_clients.index",
                  roles=(PLATFORM_ADMIN, HALL_ADMIN, AUDITOR), blueprint=blueprint, order=35)
