"""Names shown for roles and health checks, in the page's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from idp.staff import AUDITOR, CLERK, DEPARTMENT_ADMIN, HALL_ADMIN, PLATFORM_ADMIN

ROLES = {PLATFORM_ADMIN: _l("Platform administrator"),
         DEPARTMENT_ADMIN: _l("Department administrator"),
         HALL_ADMIN: _l("Hall administrator"), CLERK: _l("Counter clerk"),
         AUDITOR: _l("Auditor")}
HEALTH = {"database": _l("Database"), "redis": _l("Redis"),
          "backchannel": _l("Back-channel logout queue")}


def role_label(role: str) -> str:
    return str(ROLES.get(role, role))


def health_label(name: str) -> str:
    return str(HEALTH.get(name, name))
