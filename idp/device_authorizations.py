"""Device authorization requests (RFC 8628): issued, decided on a phone, redeemed once.

A request is one ``DeviceAuthorization`` row that moves pending -> approved | denied,
and approved -> issued, each step one conditional UPDATE (so of two concurrent
polls, approvals or redemptions exactly one wins). Two kinds share the table: a
registered terminal's (``TERMINAL``: it polls the token endpoint) and the provider's
own login page's (``LOGIN``: the desktop browser polls ``/login/qr/poll``); neither
can redeem the other's (``redeem`` checks the purpose as well as the client).

Every function works in the session it is given (the request's unit of work) and
reads the time from ``now()``, which tests replace to move the clock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from audit import log as audit_log
from edge.timestamps import utcnow
from idp import user_codes
from idp.denylist import AccessTokenDenylist
from idp.errors import (
    AccessDeniedError,
    AuthorizationPendingError,
    ExpiredTokenError,
    InvalidGrantError,
    SlowDownError,
)
from idp.grants.families import revoke_family, token_hash
from idp.models.device_authorizations import DeviceAuthorization

log = logging.getLogger("onegate.idp.device")

TERMINAL, LOGIN = "terminal", "login"
#: The client_id recorded on the login page's own requests: not a registrable id
#: (``clients add`` ids have no colon), and refused at the token endpoint by purpose.
LOGIN_CLIENT_ID = "onegate:login"
#: RFC 8628 section 3.5: "the interval MUST be increased by 5 seconds for this and
#: all subsequent requests" after slow_down.
SLOW_DOWN_STEP = 5
#: Longest device code we hash and look up (ours are 43 characters).
MAX_DEVICE_CODE = 200


def now() -> datetime:
    """The current UTC time (a seam: protocol tests move this clock)."""
    return utcnow()


@dataclass(frozen=True, slots=True)
class Started:
    """A new request's codes in clear, returned once to whoever asked."""

    row: DeviceAuthorization
    device_code: str
    user_code: str


@dataclass(frozen=True, slots=True)
class Request:
    """Who asks, for what, and what the approving session must satisfy."""

    purpose: str
    client_id: str
    scope: str
    acr_required: str | None = None
    fresh_login: bool = False
    requester_address: str | None = None
    requester_agent: str | None = None


def start(session: Session, key: bytes, asked: Request, *, ttl: int, interval: int,
          keep: int = 0) -> Started:
    """Store a new pending request (codes hashed under ``key``) and return its codes.

    RFC 8628 section 3.2: the server "generates a unique device verification code
    and an end-user code that are valid for a limited time": a user code is drawn
    again while a live request already has it. Raises RuntimeError if five draws in
    a row collide (a full code space; never in practice).

    Requests that expired more than ``keep`` seconds ago are deleted first (keep them
    as long as the tokens they produced live, so a late replay is still recognised)."""
    session.execute(delete(DeviceAuthorization).where(
        DeviceAuthorization.expires_at < now() - timedelta(seconds=keep)))
    user_code = user_codes.unused_user_code(
        lambda code: find_by_user_code(session, key, code) is not None)
    device_code = user_codes.new_device_code()
    at = now()
    row = DeviceAuthorization(
        device_code_hash=token_hash(key, device_code),
        user_code_hash=token_hash(key, user_code), purpose=asked.purpose,
        client_id=asked.client_id, scope=asked.scope, acr_required=asked.acr_required,
        fresh_login=asked.fresh_login, requester_address=asked.requester_address,
        requester_agent=(asked.requester_agent or "")[:200] or None, status="pending",
        interval=interval, expires_at=at + timedelta(seconds=ttl), created_at=at)
    session.add(row)
    session.flush()
    return Started(row=row, device_code=device_code, user_code=user_code)


def find_by_user_code(session: Session, key: bytes, code: str) -> DeviceAuthorization | None:
    """The live (pending, unexpired) request with canonical user code ``code``."""
    return session.scalar(select(DeviceAuthorization).where(
        DeviceAuthorization.user_code_hash == token_hash(key, code),
        DeviceAuthorization.status == "pending",
        DeviceAuthorization.expires_at > now()).limit(1))


def find_by_device_code(session: Session, key: bytes,
                        code: str | None) -> DeviceAuthorization | None:
    """The request with device code ``code`` in any state, or None."""
    if not isinstance(code, str) or not code or len(code) > MAX_DEVICE_CODE:
        return None
    return session.scalar(select(DeviceAuthorization).where(
        DeviceAuthorization.device_code_hash == token_hash(key, code)))


@dataclass(frozen=True, slots=True)
class Approver:
    """What the approving phone's SSO session proved."""

    sub: str
    sid: str
    authenticated_at: datetime
    acr: str
    amr: list[str]

    @classmethod
    def of(cls, live) -> Approver:
        """From an ``idp.sso.SsoSession``."""
        return cls(sub=live.sub, sid=live.sid, acr=live.acr, amr=list(live.amr),
                   authenticated_at=live.authenticated_at)


def decide(session: Session, row: DeviceAuthorization, approver: Approver,
           allow: bool) -> bool:
    """Record the person's answer; False when the request is no longer pending
    (decided meanwhile, or expired). Approval copies what the session proved, for
    the ID token (``acr``, ``amr``, ``auth_time``, ``sid``)."""
    at = now()
    values = {"status": "approved" if allow else "denied", "decided_at": at,
              "sub": approver.sub, "sid": approver.sid}
    if allow:
        values.update(authenticated_at=approver.authenticated_at, acr=approver.acr,
                      amr=list(approver.amr))
    done = session.execute(
        update(DeviceAuthorization)
        .where(DeviceAuthorization.id == row.id, DeviceAuthorization.status == "pending",
               DeviceAuthorization.expires_at > at)
        .values(**values).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        return False
    session.refresh(row)
    # Who let which device sign in as them, in the audit trail (as consent is).
    audit_log.append(session, actor=f"person:{approver.sub}",
                     action="device.allow" if allow else "device.deny", subject=approver.sub,
                     data={"client_id": row.client_id, "purpose": row.purpose,
                           "scope": row.scope, "requester_address": row.requester_address})
    return True


def redeem(session: Session, denylist: AccessTokenDenylist, row: DeviceAuthorization | None,
           *, purpose: str, client_id: str, access_jti: str | None = None,
           family_id: str | None = None) -> DeviceAuthorization:
    """One poll of ``row`` by ``client_id``: the approved request, marked issued (once),
    or the RFC 8628 section 3.5 answer as an exception.

    Raises InvalidGrantError for an unknown code, another client's code or another
    purpose's (RFC 6749 section 5.2: "issued to another client"), and for a code
    already redeemed (one-time use: what it produced is revoked, as for a replayed
    authorization code, RFC 6749 section 4.1.2); ExpiredTokenError, AccessDeniedError,
    SlowDownError (polled sooner than ``interval`` after the last poll: the interval
    grows by 5 s) or AuthorizationPendingError. The poll's bookkeeping is written in
    ``session``: Authlib answers these errors as responses, so the edge commits it.
    """
    if row is None or row.client_id != client_id or row.purpose != purpose:
        raise InvalidGrantError("The device_code is invalid or was issued to another client.")
    at = now()
    if row.status == "issued":
        _punish_replay(session, denylist, row)
        raise InvalidGrantError("The device_code was already used.")
    if row.expires_at <= at:
        raise ExpiredTokenError("The device_code has expired; start again.")
    if row.status == "denied":
        raise AccessDeniedError("The person denied the request.")
    if row.status == "pending":
        _pace(session, row, at)
    return _claim(session, denylist, row, at, access_jti, family_id)


def _pace(session: Session, row: DeviceAuthorization, at: datetime) -> None:
    """Raises SlowDownError (interval + 5 s, RFC 8628 section 3.5) when this poll came
    sooner than ``interval`` after the last one, else AuthorizationPendingError. The
    poll time is recorded with one conditional UPDATE, so two concurrent polls are
    paced as two."""
    on_time = session.execute(
        update(DeviceAuthorization)
        .where(DeviceAuthorization.id == row.id, DeviceAuthorization.interval == row.interval,
               (DeviceAuthorization.last_polled_at.is_(None))
               | (DeviceAuthorization.last_polled_at
                  <= at - timedelta(seconds=row.interval)))
        .values(last_polled_at=at).execution_options(synchronize_session=False))
    if on_time.rowcount == 1:
        raise AuthorizationPendingError("The person has not answered yet.")
    session.execute(
        update(DeviceAuthorization).where(DeviceAuthorization.id == row.id)
        .values(last_polled_at=at,
                interval=DeviceAuthorization.interval + SLOW_DOWN_STEP)
        .execution_options(synchronize_session=False))
    raise SlowDownError(f"Polling too fast; wait at least {row.interval + SLOW_DOWN_STEP} s "
                        "between requests.")


def _claim(session: Session, denylist: AccessTokenDenylist, row: DeviceAuthorization,
           at: datetime, access_jti: str | None,
           family_id: str | None) -> DeviceAuthorization:
    claimed = session.execute(
        update(DeviceAuthorization)
        .where(DeviceAuthorization.id == row.id, DeviceAuthorization.status == "approved")
        .values(status="issued", issued_at=at, access_jti=access_jti, family_id=family_id)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        # A concurrent poll won (it committed first): this one is a replay.
        session.refresh(row)
        _punish_replay(session, denylist, row)
        raise InvalidGrantError("The device_code was already used.")
    session.refresh(row)
    return row


def _punish_replay(session: Session, denylist: AccessTokenDenylist,
                   row: DeviceAuthorization) -> None:
    """A device code is the terminal's secret and is spent by its first redemption: a
    second presentation means a copy exists, so what it produced is revoked."""
    log.warning("device code replayed", extra={"client_id": row.client_id})
    if row.family_id:
        revoke_family(session, denylist, row.family_id, "device_code_replay")
    if row.access_jti:
        denylist.revoke(session, row.access_jti, None)
