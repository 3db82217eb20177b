"""The signed-in staff member and what their roles let them reach.

Scope rules (idp.staff has the roles): a platform administrator and an auditor reach
every department and hall (the auditor only to read); a department administrator its
own departments; a hall administrator and a clerk their own halls. Nothing here reads
the database: the console loads the member's grants afresh on every request
(admin.console.session), so a revoked role stops working at the next click.
"""

from __future__ import annotations

from dataclasses import dataclass

from idp.staff import AUDITOR, CLERK, DEPARTMENT_ADMIN, HALL_ADMIN, PLATFORM_ADMIN, Grant

#: Roles that may read every department and hall.
PROVINCE_WIDE = (PLATFORM_ADMIN, AUDITOR)
ALL_ROLES = (PLATFORM_ADMIN, DEPARTMENT_ADMIN, HALL_ADMIN, CLERK, AUDITOR)


@dataclass(frozen=True, slots=True)
class StaffMember:
    """Who is signed in to the console: their account and their grants."""

    sub: str
    username: str
    name: str
    grants: tuple[Grant, ...]

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(g.role for g in self.grants)

    def has(self, *roles: str) -> bool:
        """Whether the member holds any of ``roles`` (over any scope)."""
        return bool(self.roles.intersection(roles))

    def first_role(self, roles: tuple[str, ...]) -> str | None:
        """The first of ``roles`` the member holds (the one an action is audited under)."""
        return next((r for r in roles if r in self.roles), None)

    def scopes(self, role: str) -> frozenset[str]:
        """The departments or halls the member holds ``role`` over."""
        return frozenset(g.scope for g in self.grants if g.role == role)

    def may_reach_department(self, code: str, *, write: bool = False) -> bool:
        """Read (or, with ``write``, change) department ``code``'s things."""
        if self.has(PLATFORM_ADMIN) or (not write and self.has(AUDITOR)):
            return True
        return code in self.scopes(DEPARTMENT_ADMIN)

    def may_reach_hall(self, code: str | None, *, write: bool = False,
                       roles: tuple[str, ...] = (HALL_ADMIN,)) -> bool:
        """Read (or change) hall ``code``'s things as one of ``roles`` over that hall."""
        if self.has(PLATFORM_ADMIN) or (not write and self.has(AUDITOR)):
            return True
        return code is not None and any(code in self.scopes(r) for r in roles)

    def departments(self) -> frozenset[str] | None:
        """The departments the member reads; None means every one."""
        return None if self.has(*PROVINCE_WIDE) else self.scopes(DEPARTMENT_ADMIN)

    def halls(self) -> frozenset[str] | None:
        """The halls the member reads (as hall administrator or clerk); None: every one."""
        if self.has(*PROVINCE_WIDE):
            return None
        return self.scopes(HALL_ADMIN) | self.scopes(CLERK)
