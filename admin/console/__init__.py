"""The operators' web console (``/admin``): server-rendered pages for platform,
department and hall administrators, counter clerks and auditors.

How it fits together
====================

- ``services.ConsoleServices``: everything a section uses (the unit of work, the key
  ring, each package's services, health, the token exchange), built by
  ``admin.app`` and handed to every section's blueprint factory. No ``current_app``.
- ``signin``: staff sign in through our own provider (client ``onegate-console``,
  code flow, state + nonce + PKCE S256, ``acr_values=loa-2`` and the ID token's
  ``acr`` checked); ``session``: the console session (idle and absolute timeouts,
  tied to the provider's SSO session, roles reloaded on every request).
- ``principal.StaffMember``: who is signed in, their grants (idp.staff) and scope
  helpers; ``guard``: ``requires``, ``require_department``, ``require_hall``.
- ``auditing.record``: the audit entry of a console action.
- ``pages.console_blueprint``: the blueprint every section uses; templates extend
  ``console/layout.html``.

Adding a section (e.g. ``admin/console/licences.py``)
====================================================

1. Write a module with a blueprint factory receiving the typed services, and a
   ``SECTION``::

       from flask import render_template, request, redirect, url_for
       from flask_babel import lazy_gettext as _l

       from admin.console import auditing
       from admin.console.guard import member, require_department, requires
       from admin.console.pages import console_blueprint
       from admin.console.sections import Section
       from idp.staff import AUDITOR, DEPARTMENT_ADMIN, PLATFORM_ADMIN

       def blueprint(services):
           bp = console_blueprint("console_licences", "/admin/licences", services)

           @bp.get("")
           @requires(PLATFORM_ADMIN, DEPARTMENT_ADMIN, AUDITOR)   # most powerful first
           def index():
               departments = member().departments()   # None: every department
               ...
               return render_template("console/licences.html", ...)

           @bp.post("/<identifier>/suspend")
           @requires(PLATFORM_ADMIN, DEPARTMENT_ADMIN)            # the auditor: 403
           def suspend(identifier):
               db = services.session()                # the request's unit of work
               licence = ...                           # 404 when unknown
               require_department(licence.department_code, write=True)  # 403 outside
               ...                                     # the package's own function
               auditing.record(db, "licence.suspend", identifier, {"reason": reason})
               return redirect(url_for(".index"))

           return bp

       SECTION = Section(name="licences", label=_l("Licences"),
                         endpoint="console_licences.index",
                         roles=(PLATFORM_ADMIN, DEPARTMENT_ADMIN, AUDITOR),
                         blueprint=blueprint, order=40)

2. Add the module to ``SECTION_MODULES`` below (or extend a section that exists:
   ``people`` for account help, ``staff_page`` for roles and halls, ``keys_page``,
   ``audit_page``). The navigation shows the entry to ``roles`` only; every route
   still checks its own (``requires``), and tests/admin/console/test_guarded.py
   fails for a console route without it.
3. Templates: ``admin/console/templates/console/<name>.html``,
   ``{% extends "console/layout.html" %}``, content in ``{% block main %}``, title in
   ``{% block title %}``. Forms POST with ``<input type="hidden" name="csrf_token"
   value="{{ csrf_token() }}">`` (the app's CSRFProtect checks every POST; a failure
   answers a readable 400 page). No inline script or style (CSP).
4. Scope: ``member().departments()`` / ``member().halls()`` filter lists (None: all);
   ``require_department(code, write=...)`` / ``require_hall(code, write=...,
   roles=...)`` refuse with 403 what lies outside the member's own. Check the scope
   of the object you act on, read from the database, never of a form field.
5. Audit: every POST that changes something calls ``auditing.record(session, action,
   subject, data)`` in the request's unit of work; the entry is ``console.<action>``
   by ``staff:<sub>`` with the acting role and username. The change and its entry
   commit together or not at all.
6. Text: message ids in English inside ``_()`` (templates) or ``gettext`` /
   ``lazy_gettext`` (Python); Chinese in
   ``admin/console/translations/zh_Hans_CN/LC_MESSAGES/messages.po``
   (``python -m admin.console.i18n extract|update|compile``; commit the .mo).
7. Tests: ``tests/admin/console/helpers.py`` has ``staff_client(app, [(role,
   scope)])`` (a signed-in test client and the member), ``csrf_token(client)`` and
   ``audit_entries(app, action, subject)``; the ``places`` fixture gives fresh hall
   and department codes. Test each role's 403 with direct requests, the scope
   (another department's or hall's object: 403), and the audit entry of each action.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from flask import Blueprint, Flask

if TYPE_CHECKING:
    from admin.console.services import ConsoleServices

#: The console's sections, each a module with ``SECTION`` (admin.console.sections).
SECTION_MODULES = ("admin.console.dashboard", "admin.console.people",
                   "admin.console.staff_page", "admin.console.keys_page",
                   "admin.console.audit_page", "admin.console.clients_page",
                   "admin.console.licences", "admin.console.catalogue",
                   "admin.console.recovery")


def init_app(app: Flask, services: ConsoleServices) -> None:
    """Register the sign-in pages, the console's assets and every section."""
    from admin.console import signin

    app.register_blueprint(Blueprint("console_assets", __name__, template_folder="templates",
                                     static_folder="static",
                                     static_url_path="/static/console"))
    app.register_blueprint(signin.blueprint(services))
    for name in SECTION_MODULES:
        section = import_module(name).SECTION
        services.navigation.add(section)
        app.register_blueprint(section.blueprint(services))
