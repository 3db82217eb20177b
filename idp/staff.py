"""Staff roles and their scope (no Flask): grant, revoke, list.

=================  ===========  ==========================================================
role               scope        may
=================  ===========  ==========================================================
platform-admin     (none)       everything
department-admin   department   its department's licence types, licences, systems, keys
hall-admin         hall         its hall's relying parties and counter clerks
clerk              hall         help the person at the counter of its hall or station
auditor            (none)       read everything, the audit trail included; change nothing
=================  ===========  ==========================================================

A staff account has any number of roles (one row each, ``idp.models.staff.StaffRole``);
only staff accounts hold roles. The console (admin.console) decides what each role
may do; this module only keeps who holds what.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from idp import halls
from idp.errors import AccountError, InvalidAccountData
from idp.models.accounts import Account
from idp.models.staff import StaffRole

PLATFORM_ADMIN = "platform-admin"
DEPARTMENT_ADMIN = "department-admin"
HALL_ADMIN = "hall-admin"
CLERK = "clerk"
AUDITOR = "auditor"
#: role -> what its scope names: None (no scope), "department" or "hall"
SCOPES: dict[str, str | None] = {PLATFORM_ADMIN: None, DEPARTMENT_ADMIN: "department",
                                 HALL_ADMIN: "hall", CLERK: "hall", AUDITOR: None}
ROLES = tuple(SCOPES)
#: ``department_exists(session, code)``: idp cannot import the licence catalogue, so the
#: composition root supplies the check.
DepartmentExists = Callable[[Session, str], bool]


class UnknownGrant(AccountError):
    """The account does not hold this role over this scope."""


@dataclass(frozen=True, slots=True)
class Grant:
    """One role over one scope ("" for the province-wide roles)."""

    role: str
    scope: str = ""

    def label(self) -> str:
        return f"{self.role}:{self.scope}" if self.scope else self.role


def check_grant(session: Session, role: str, scope: str | None,
                department_exists: DepartmentExists | None = None) -> Grant:
    """The grant, its scope checked against its role; raises InvalidAccountData, or
    idp.errors.UnknownHall for a hall that is not registered."""
    if role not in SCOPES:
        raise InvalidAccountData("role", f"one of {', '.join(ROLES)}")
    kind, value = SCOPES[role], (scope or "").strip()
    if kind is None:
        if value:
            raise InvalidAccountData("scope", f"{role} is province-wide: give no scope")
        return Grant(role)
    if not value:
        raise InvalidAccountData("scope", f"{role} needs a {kind} (--{kind} CODE)")
    if kind == "hall":
        return Grant(role, halls.get(session, value).code)
    if department_exists is not None and not department_exists(session, value):
        raise InvalidAccountData("department", f"no department {value!r} "
                                 "(see onegate departments list)")
    return Grant(role, value)


def grant(session: Session, account: Account, wanted: Grant, granted_by: str) -> bool:
    """Give ``account`` the (checked) grant; False when it already held it. Raises
    InvalidAccountData when the account is not a staff account."""
    if account.kind != "staff":
        raise InvalidAccountData("account", "only staff accounts hold roles")
    if wanted in grants_of(session, account):
        return False
    session.add(StaffRole(account_id=account.id, role=wanted.role, scope=wanted.scope,
                          granted_by=granted_by[:200]))
    session.flush()
    return True


def revoke(session: Session, account: Account, unwanted: Grant) -> None:
    """Take the grant away; raises UnknownGrant when the account does not hold it."""
    row = session.scalar(select(StaffRole).where(
        StaffRole.account_id == account.id, StaffRole.role == unwanted.role,
        StaffRole.scope == unwanted.scope))
    if row is None:
        raise UnknownGrant(f"{account.username} does not hold {unwanted.label()}")
    session.delete(row)
    session.flush()


def grants_of(session: Session, account: Account) -> list[Grant]:
    """The account's grants, by role then scope."""
    rows = session.execute(select(StaffRole.role, StaffRole.scope)
                           .where(StaffRole.account_id == account.id)
                           .order_by(StaffRole.role, StaffRole.scope))
    return [Grant(role, scope) for role, scope in rows]


def holders(session: Session, role: str | None = None,
            scope: str | None = None) -> list[tuple[Account, Grant]]:
    """Every (account, grant), optionally of one role and/or one scope, by username."""
    query = (select(Account, StaffRole.role, StaffRole.scope)
             .join(StaffRole, StaffRole.account_id == Account.id)
             .order_by(Account.username, StaffRole.role, StaffRole.scope))
    if role is not None:
        query = query.where(StaffRole.role == role)
    if scope is not None:
        query = query.where(StaffRole.scope == scope)
    return [(account, Grant(r, s)) for account, r, s in session.execute(query)]
