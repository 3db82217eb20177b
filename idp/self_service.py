"""Self-service reset (no Flask): a one-time code to the account's verified phone or
email, asked for with nothing but a login name.

Every login name gets the same treatment up to the moment a message is handed to the
sender: both rate limits are spent on the name as typed (whether or not an account
has it), a code is drawn and hashed, and the caller shows one page for all. Only an
account with a verified phone (preferred: people carry it) or email, and not locked,
gets a code (an enterprise has no password: its representatives log in); issuing it
voids any earlier code (idp.reset_codes), and the
sending is audited. An account with neither is told, like everyone, that without a
code the way is a service hall.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from idp import accounts, reset_codes
from idp.login_names import canonical_login
from idp.models.accounts import Account
from idp.recovery_audit import Actor, record
from idp.senders import Message, Sender, masked
from idp.throttle import RateLimit, ThrottleStore

log = logging.getLogger("onegate.idp.self_service")

#: Codes sent per login name per hour: enough for a lost message or two, too few to
#: flood a person's phone.
PER_NAME, NAME_WINDOW = 3, 3600
#: Requests per source address per 15 minutes (a village kiosk serves many people).
PER_ADDRESS, ADDRESS_WINDOW = 20, 900

#: ``(code, minutes valid) -> (subject, text)`` in the person's language.
Compose = Callable[[str, int], tuple[str, str]]


@dataclass(frozen=True, slots=True)
class RequestLimits:
    per_name: RateLimit
    per_address: RateLimit

    @classmethod
    def on(cls, store: ThrottleStore, clock: Callable[[], float] = time.time
           ) -> RequestLimits:
        return cls(per_name=RateLimit(store, PER_NAME, NAME_WINDOW, "forgot-name:", clock),
                   per_address=RateLimit(store, PER_ADDRESS, ADDRESS_WINDOW,
                                         "forgot-ip:", clock))

    def admit(self, login: str, address: str | None) -> None:
        """Count one request; raises TooManyAttempts or ThrottleUnavailable."""
        self.per_address.hit(address or "unknown")
        name = canonical_login(login)
        self.per_name.hit(str(name) if name else "raw:" + (login or "").strip().lower())


def destination(account: Account | None) -> tuple[str, str] | None:
    """(channel, address) a code may go to: the verified phone, else verified email."""
    if account is None or account.locked or account.kind == "enterprise":
        return None
    if account.phone and account.phone_verified:
        return "sms", account.phone
    if account.email and account.email_verified:
        return "email", account.email
    return None


def request_code(session: Session, key: bytes, sender: Sender, login: str,
                 compose: Compose, now: datetime | None = None) -> None:
    """Send a code if ``login`` names an account with somewhere to send it; never says
    whether it did. Raises nothing for an unknown name or a failing sender (logged,
    and the code is voided)."""
    account = accounts.find_by_login(session, login)
    target = destination(account)
    if account is None or target is None:
        # The same drawing and hashing as a real code, so the two paths cost alike.
        reset_codes.digest(key, 0, reset_codes.new_message_code())
        return
    channel, address = target
    issued = reset_codes.issue(session, key, account, channel=channel, resets_password=True,
                               resets_totp=False, issued_by=f"person:{account.sub}", now=now)
    subject, text = compose(issued.code, int(reset_codes.TTL.total_seconds() // 60))
    try:
        sender.send(Message(channel=channel, to=address, subject=subject, text=text))
    # Whatever a gateway's adapter raises, the answer must stay the one every name
    # gets: a 500 for real accounts only would tell which names exist.
    except Exception as exc:  # noqa: BLE001
        log.error("reset code not sent (%s): %s", channel, type(exc).__name__)
        reset_codes.void_live(session, account, now)
        return
    record(session, Actor(ref=f"person:{account.sub}", name=account.display_name),
           "account.reset_code_sent", account, {"channel": channel,
                                                "to": masked(channel, address)})
