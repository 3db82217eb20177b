"""Authorisation of every console route: ``requires`` on each view, scope checks in
the view, and the pages a refusal answers with.

``requires(*roles)`` runs before the view: no console session -> sign-in (a GET is
sent to the provider, anything else answers 401); a member holding none of
``roles`` -> 403. It records which of the roles the member acts under
(``acting_role``), the first of ``roles`` they hold: list the most powerful first.
The view then checks the scope of what it touches with ``require_department`` or
``require_hall`` (403 outside the member's own).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, g, redirect, request, url_for

from admin.console.principal import StaffMember

_MEMBER = "console_member"
_ROLE = "console_role"


def current_member() -> StaffMember | None:
    """The member signed in to the console for this request (set by the console's
    before-request hook), or None."""
    return g.get(_MEMBER)


def set_member(member: StaffMember | None) -> None:
    setattr(g, _MEMBER, member)


def member() -> StaffMember:
    """The signed-in member inside a ``requires`` view (aborts 401 outside one)."""
    found = current_member()
    if found is None:
        abort(401)
    return found


def acting_role() -> str:
    """The role the current view runs under (see ``requires``)."""
    return g.get(_ROLE) or ""


def requires(*roles: str) -> Callable:
    """Decorator: only members holding one of ``roles`` reach the view."""
    if not roles:
        raise ValueError("requires() needs at least one role")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            found = current_member()
            if found is None:
                if request.method in ("GET", "HEAD"):
                    return redirect(url_for("console_signin.login", next=request.full_path))
                abort(401)
            role = found.first_role(roles)
            if role is None:
                abort(403)
            setattr(g, _ROLE, role)
            return view(*args, **kwargs)

        guarded.console_roles = roles  # checked by tests: every console view is guarded
        return guarded

    return decorate


def require_department(code: str, *, write: bool = False) -> None:
    """403 unless the member may read (``write``: change) department ``code``."""
    if not member().may_reach_department(code, write=write):
        abort(403)


def require_hall(code: str | None, *, write: bool = False,
                 roles: tuple[str, ...] | None = None) -> None:
    """403 unless the member may read (``write``: change) hall ``code``'s things as a
    hall administrator (or one of ``roles`` over that hall)."""
    kwargs = {"roles": roles} if roles else {}
    if not member().may_reach_hall(code, write=write, **kwargs):
        abort(403)
