"""The dashboard: logins, issuances and verifications per day (charts), keys due for
rotation and the health of the database, Redis and the back-channel queue.

Each panel is shown only to the roles that may read it, over their own scope
(``panels``); the chart images check the same, so a direct request for another
department's or hall's figures is refused (403). Figures: admin.console.stats.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, abort, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from admin import key_admin
from admin.console import charts, key_ages, stats
from admin.console.guard import member, requires
from admin.console.pages import console_blueprint
from admin.console.principal import ALL_ROLES, PROVINCE_WIDE, StaffMember
from admin.console.sections import Section
from admin.console.services import ConsoleServices
from edge.timestamps import utcnow
from idp.staff import CLERK, DEPARTMENT_ADMIN, HALL_ADMIN


@dataclass(frozen=True, slots=True)
class Panel:
    name: str
    title: str
    series: stats.Series


def _department_clients(db, departments) -> list[str]:
    from credentials.models import DepartmentClient

    return list(db.scalars(select(DepartmentClient.client_id)
                           .where(DepartmentClient.department_code.in_(sorted(departments)))))


def panels(services: ConsoleServices, who: StaffMember) -> list[Panel]:
    """The charts ``who`` may read, over their own scope."""
    db, days = services.session(), stats.window()
    departments, halls = who.departments(), who.halls()
    found: list[Panel] = []
    if who.has(*PROVINCE_WIDE):
        found.append(Panel("logins", _("Logins per day (by level of assurance)"),
                           stats.logins(db, days)))
    if who.has(*PROVINCE_WIDE, HALL_ADMIN, CLERK):
        found.append(Panel("halls", _("Sign-ins per day, per hall"),
                           stats.logins_per_hall(db, days, halls)))
    if who.has(*PROVINCE_WIDE, DEPARTMENT_ADMIN):
        clients = None if departments is None else _department_clients(db, departments)
        verified = stats.verifications(db, days, clients)
        # Failed logins name no department: only the province-wide roles see them.
        logins = stats.login_failures(db, days) if departments is None else None
        found += [Panel("issuances", _("Licences issued per day, per department"),
                        stats.issuances(db, days, departments)),
                  Panel("verifications", _("Recorded verifications per day, by outcome"),
                        verified),
                  Panel("failures", _("Failures per day: verifications and logins")
                        if logins is not None else _("Failed verifications per day"),
                        stats.failures(verified, logins))]
    return found


def _due_keys(services: ConsoleServices, who: StaffMember) -> list[key_ages.DueKey]:
    scheduled = {s.owner: s.next_rotation_at
                 for s in key_admin.schedules(services.credentials).list_all()}
    due = key_ages.due_for_rotation(services.keyring.records(),
                                    services.settings.key_rotate_every, utcnow(), scheduled)
    return [k for k in due if who.has(*PROVINCE_WIDE) or
            (key_ages.department_of(k.owner) is not None
             and who.may_reach_department(key_ages.department_of(k.owner)))]


def blueprint(services: ConsoleServices):
    """``console_dashboard``: /admin/ and /admin/charts/<name>.svg."""
    bp = console_blueprint("console_dashboard", "/admin", services)

    @bp.get("/")
    @requires(*ALL_ROLES)
    def index():
        who = member()
        health = services.health() if who.has(*PROVINCE_WIDE) else None
        show_keys = who.has(*PROVINCE_WIDE, DEPARTMENT_ADMIN)
        return render_template("console/dashboard.html", panels=panels(services, who),
                               due_keys=_due_keys(services, who) if show_keys else None,
                               health=health, now=utcnow())

    @bp.get("/charts/<name>.svg")
    @requires(*ALL_ROLES)
    def chart(name: str):
        found = {p.name: p for p in panels(services, member())}
        if name not in found:
            abort(403 if name in CHARTS else 404)
        svg = charts.bar_chart(found[name].series)
        return Response(svg, mimetype="image/svg+xml",
                        headers={"Content-Security-Policy": charts.SVG_CSP})

    return bp


#: Every chart name a dashboard may have (asking for one outside your scope: 403).
CHARTS = ("logins", "halls", "issuances", "verifications", "failures")

SECTION = Section(name="dashboard", label=_l("Dashboard"), endpoint="console_dashboard.index",
                  roles=ALL_ROLES, blueprint=blueprint, order=0)
