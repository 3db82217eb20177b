"""What the pages take from the app: storage, throttle, sealing key, flow state."""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app, session, url_for
from sqlalchemy.orm import Session, sessionmaker

from idp import sso, storage
from idp.device_cookies import DeviceCookies
from idp.redirects import safe_next
from idp.second_factor_keys import SecondFactorKeys
from idp.throttle import Policies, Throttle

PENDING_KEY = "idp_pending"
PENDING_SECONDS = 300


def sessions() -> sessionmaker[Session]:
    return current_app.extensions["onegate.sessions"]


def throttle() -> Throttle:
    """Redis-backed when ONEGATE_REDIS_URL is set (shared by workers), else the database."""
    return Throttle(storage.throttle_store(),
                    policies=Policies.from_settings(current_app.config["ONEGATE"]))


def device_cookies() -> DeviceCookies:
    """Derived once per app from the KEK."""
    cookies = current_app.extensions.get("onegate.device_cookies")
    if cookies is None:
        settings = current_app.config["ONEGATE"]
        cookies = DeviceCookies.from_kek(settings["KEK_BYTES"], settings["LOGIN_DEVICE_TTL"])
        current_app.extensions["onegate.device_cookies"] = cookies
    return cookies


def second_factor_keys() -> SecondFactorKeys:
    """Derived once per app from the KEK (and the cookie secret, for 0.1's seeds)."""
    keys = current_app.extensions.get("onegate.second_factor_keys")
    if keys is None:
        keys = SecondFactorKeys.from_kek(current_app.config["ONEGATE"]["KEK_BYTES"],
                                         current_app.config["SECRET_KEY"])
        current_app.extensions["onegate.second_factor_keys"] = keys
    return keys


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
