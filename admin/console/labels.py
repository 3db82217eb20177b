"""Names shown for roles and health checks, in the page's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _pl

from idp.staff import AUDITOR, CLERK, DEPARTMENT_ADMIN, HALL_ADMIN, PLATFORM_ADMIN

ROLES = {PLATFORM_ADMIN: _l("Platform administrator"),
         DEPARTMENT_ADMIN: _l("Department administrator"),
         HALL_ADMIN: _l("Hall administrator"), CLERK: _l("Counter clerk"),
         AUDITOR: _l("Auditor")}
KINDS = {"person": _l("Citizen"), "enterprise": _pl("console", "Enterprise"), "staff": _l("Staff")}
KEY_STATES = {"next": _l("next (published, not yet signing)"), "active": _l("active"),
              "retired": _l("retired (verifies only)"), "revoked": _l("revoked")}
LEVELS = {"province": _l("province"), "city": _l("city"), "county": _l("county"),
          "town": _l("town"), "village": _l("village")}
HEALTH = {"database": _l("Database"), "redis": _l("Redis"),
          "backchannel": _l("Back-channel logout queue")}


def role_label(role: str) -> str:
    return str(ROLES.get(role, role))


def health_label(name: str) -> str:
    return str(HEALTH.get(name, name))


def kind_label(kind: str) -> str:
    return str(KINDS.get(kind, kind))


def key_state_label(state: str) -> str:
    return str(KEY_STATES.get(str(state), state))


def level_label(level: str) -> str:
    return str(LEVELS.get(level, level))
