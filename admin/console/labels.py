"""Names shown for roles, health checks and their states, and a licence's events and
uses, in the page's language."""

from __future__ import annotations

import re

from flask_babel import gettext as _
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
#: admin.health's answers ("N pending, M failed": QUEUE).
HEALTH_STATES = {"ok": _pl("console", "ok"), "not configured": _l("not configured"),
                 "unreachable": _l("unreachable"),
                 "migrations pending": _l("migrations pending")}
QUEUE = re.compile(r"(\d+) pending, (\d+) failed")
#: A licence's history (credentials.licence_admin.history: the audit action's last part).
HISTORY = {"issue": _l("issued"), "import": _l("imported"),
           "reissue": _l("re-issued"), "suspend": _l("suspended"),
           "reinstate": _l("reinstated"), "revoke": _l("revoked")}
#: A licence's uses (verify.uses: kind) and a verification's result.
USES = {"verify": _l("verified"), "retrieve": _l("retrieved")}
USE_RESULTS = {"valid": _l("valid"), "suspended": _l("suspended"),
               "revoked": _l("revoked"), "expired": _l("expired"),
               "not_yet_valid": _l("not yet valid"), "untrusted": _l("untrusted issuer"),
               "invalid": _l("invalid")}


def role_label(role: str) -> str:
    return str(ROLES.get(role, role))


def health_label(name: str) -> str:
    return str(HEALTH.get(name, name))


def health_state_label(state: str) -> str:
    queue = QUEUE.fullmatch(state)
    if queue:
        return _("%(pending)s pending, %(failed)s failed", pending=queue.group(1),
                 failed=queue.group(2))
    return str(HEALTH_STATES.get(state, state))


def history_label(action: str) -> str:
    return str(HISTORY.get(action, action))


def use_label(kind: str) -> str:
    return str(USES.get(kind, kind))


def use_result_label(result: str) -> str:
    return str(USE_RESULTS.get(result, result))


def kind_label(kind: str) -> str:
    return str(KINDS.get(kind, kind))


def key_state_label(state: str) -> str:
    return str(KEY_STATES.get(str(state), state))


def level_label(level: str) -> str:
    return str(LEVELS.get(level, level))
