"""What the pages share: the throttle of the app's services, and the login flow's state."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import session, url_for

from idp import sso
from idp.redirects import safe_next
from idp.throttle import Throttle

if TYPE_CHECKING:
    from idp.services import IdpServices

PENDING_KEY = "idp_pending"
PENDING_SECONDS = 300


def throttle(services: IdpServices) -> Throttle:
    """Redis-backed when ONEGATE_REDIS_URL is set (shared by workers), else the database
    (in short transactions of its own: a counted attempt survives the request)."""
    return Throttle(services.throttle_store, policies=services.settings.login_policies)


@dataclass(frozen=True, slots=True)
class Flow:
    """Where the login flow goes afterwards and what it must achieve."""

    next: str
    acr: str | None = None
    force: bool = False

    @classmethod
    def from_values(cls, values) -> Flow:
        """From query or form values; an unsafe ``next`` becomes the account page."""
        acr = values.get("acr")
        return cls(next=safe_next(values.get("next")) or url_for("idp_account.account"),
                   acr=acr if acr in sso.ACRS else None, force=values.get("force") == "1")


def remember_pending(account_id: int, flow: Flow) -> None:
    """Password checked (or live session): the second factor is the only step left."""
    session[PENDING_KEY] = {"account_id": account_id, "next": flow.next, "acr": flow.acr,
                            "until": int(time.time()) + PENDING_SECONDS}


def pending() -> tuple[int, Flow] | None:
    """The account and flow waiting for a second factor, unless expired."""
    data = session.get(PENDING_KEY)
    if not data or data.get("until", 0) < time.time():
        session.pop(PENDING_KEY, None)
        return None
    flow = Flow(next=safe_next(data.get("next")) or url_for("idp_account.account"),
                acr=data.get("acr"))
    return int(data["account_id"]), flow


def forget_pending() -> None:
    session.pop(PENDING_KEY, None)
