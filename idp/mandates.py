"""代办 mandates (no Flask): a citizen authorises a clerk at a hall or village station to
act for them on one matter, for a short time, with only the scopes agreed.

A station system (an OAuth client assigned to the clerk's hall) starts a request
(``start``) naming the clerk (``idp.clerks``), the matter, the scopes and how long;
it receives a ``reference`` (a secret, kept here only as a keyed hash) with which it
later asks for tokens (``idp.grants.token_exchange``). The citizen gives the mandate
one of two ways:

- ``PHONE``: they scan the QR code of the provider's ``/mandate?user_code=...`` on
  the clerk's screen, log in on their own phone and approve (``decide``);
- ``ID_DOCUMENT``: the clerk checked the ID document, the provider sent a one-time
  code by SMS to the citizen's verified phone, and the citizen tells it to the clerk
  (``confirm_code``). This is the weaker method, and every token and record says so.

``status`` moves pending -> active | denied, each step one conditional UPDATE; an
active mandate stops at ``expires_at`` or when ended (``end``: by the citizen on
/account, at once; the tokens issued under it are put on the denylist).

Every function works in the session it is given and reads the time from ``now()``,
which tests replace to move the clock.
"""

from __future__ import annotations

import secrets
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
    InvalidRequestError,
)
from idp.grants.families import token_hash
from idp.models.mandates import Mandate, MandateToken

PHONE, ID_DOCUMENT = "phone", "id_document"
METHODS = (PHONE, ID_DOCUMENT)
PENDING, ACTIVE, DENIED = "pending", "active", "denied"
#: A mandate lasts at least 5 minutes and at most one day: one matter, a short time.
MIN_DURATION, MAX_DURATION = 300, 86_400
MAX_MATTER = 200
MAX_REFERENCE = 200
#: Wrong one-time codes before the request is spent (the clerk starts again).
CODE_ATTEMPTS = 5
#: The assurance of a mandate given by an ID document check and a code over SMS.
WEAK_ACR = "loa-1"


def now() -> datetime:
    """The current UTC time (a seam: tests move this clock)."""
    return utcnow()


class BadMandateRequest(ValueError):
    """The request cannot be made; ``field`` names the parameter at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Clerk:
    """A verified clerk: a staff account at loa-2 holding ``clerk`` at this hall."""

    sub: str
    name: str
    hall_code: str
    hall_name: str


@dataclass(frozen=True, slots=True)
class Asked:
    """What the station asks the citizen to agree to."""

    client_id: str
    clerk: Clerk
    matter: str
    scope: str
    duration: int
    method: str
    #: ID_DOCUMENT: the citizen whose document the clerk checked.
    citizen_sub: str | None = None


@dataclass(frozen=True, slots=True)
class Started:
    """A new request's secrets in clear, returned once: ``reference`` to the station,
    ``user_code`` (PHONE) for the QR code, ``one_time_code`` (ID_DOCUMENT) to the
    citizen's phone by SMS, never to the station."""

    row: Mandate
    reference: str
    user_code: str | None = None
    one_time_code: str | None = None


def check_matter(value: object) -> str:
    """The stripped matter; raises BadMandateRequest."""
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > MAX_MATTER or not text.isprintable():
        raise BadMandateRequest("matter", f"matter: 1-{MAX_MATTER} printable characters")
    return text


def check_duration(value: object) -> int:
    """Seconds as an int within [MIN_DURATION, MAX_DURATION]; raises BadMandateRequest."""
    text = str(value or "")
    if not (text.isascii() and text.isdigit()) or len(text) > 7 \
            or not MIN_DURATION <= int(text) <= MAX_DURATION:
        raise BadMandateRequest("expires_in", f"expires_in: whole seconds from {MIN_DURATION} "
                                f"to {MAX_DURATION}")
    return int(text)


def check_method(value: object) -> str:
    if value not in METHODS:
        raise BadMandateRequest("method", f"method: one of {', '.join(METHODS)}")
    return str(value)


def start(session: Session, key: bytes, asked: Asked, *, ttl: int) -> Started:
    """Store a pending request; its codes work for ``ttl`` seconds. Raises
    BadMandateRequest (the checks above; ID_DOCUMENT without a citizen)."""
    if asked.method == ID_DOCUMENT and not asked.citizen_sub:
        raise BadMandateRequest("id_number", "id_number: the citizen's account is needed")
    reference = user_codes.new_device_code()
    at = now()
    # The jti of a token past its expiry needs no denying any more (mandates stay:
    # they are the citizen's record of who acted for them).
    session.execute(delete(MandateToken).where(MandateToken.expires_at < at))
    row = Mandate(public_id="m_" + secrets.token_hex(12),
                  reference_hash=token_hash(key, reference), method=asked.method,
                  client_id=asked.client_id, clerk_sub=asked.clerk.sub,
                  clerk_name=asked.clerk.name[:200], hall_code=asked.clerk.hall_code,
                  hall_name=asked.clerk.hall_name[:200], citizen_sub=asked.citizen_sub,
                  matter=asked.matter, scope=asked.scope, duration=asked.duration,
                  status=PENDING, code_attempts=0, created_at=at,
                  request_expires_at=at + timedelta(seconds=ttl))
    started = {}
    if asked.method == PHONE:
        started["user_code"] = user_codes.unused_user_code(
            lambda code: find_by_user_code(session, key, code) is not None)
        row.user_code_hash = token_hash(key, started["user_code"])
    else:
        started["one_time_code"] = f"{secrets.randbelow(10**6):06d}"
        row.one_time_code_hash = token_hash(key, started["one_time_code"])
    session.add(row)
    session.flush()
    return Started(row=row, reference=reference, **started)


def find_by_user_code(session: Session, key: bytes, code: str) -> Mandate | None:
    """The pending, unexpired PHONE request with canonical user code ``code``."""
    return session.scalar(select(Mandate).where(
        Mandate.user_code_hash == token_hash(key, code), Mandate.status == PENDING,
        Mandate.request_expires_at > now()).limit(1))


def find_by_reference(session: Session, key: bytes, reference: object) -> Mandate | None:
    """The mandate the station's ``reference`` names, in any state, or None."""
    if not isinstance(reference, str) or not reference or len(reference) > MAX_REFERENCE:
        return None
    return session.scalar(select(Mandate).where(
        Mandate.reference_hash == token_hash(key, reference)))


def decide(session: Session, row: Mandate, citizen_sub: str, *, allow: bool, acr: str,
           amr: list[str]) -> bool:
    """The citizen's answer on their phone; False when the request is no longer pending
    (answered meanwhile, or expired). Approval starts the mandate's time."""
    at = now()
    values: dict = {"status": ACTIVE if allow else DENIED, "citizen_sub": citizen_sub,
                    "approved_at": at}
    if allow:
        values.update(acr=acr, amr=list(amr), expires_at=at + timedelta(seconds=row.duration))
    if not _move(session, row, at, values):
        return False
    _audit(session, row, f"person:{citizen_sub}", "mandate.allow" if allow else "mandate.deny")
    return True


def confirm_code(session: Session, key: bytes, row: Mandate, code: object) -> bool:
    """ID_DOCUMENT: the code the citizen told the clerk. True when it matched and the
    mandate is now active; False for a wrong code (the CODE_ATTEMPTS-th wrong one
    spends the request). Raises InvalidRequestError when the request is not a pending,
    unexpired ID_DOCUMENT one."""
    at = now()
    if row.method != ID_DOCUMENT or row.status != PENDING or row.request_expires_at <= at:
        raise InvalidRequestError("No pending ID-document mandate for this reference.")
    if not isinstance(code, str) or not secrets.compare_digest(
            token_hash(key, code.strip()), row.one_time_code_hash or ""):
        spent = row.code_attempts + 1 >= CODE_ATTEMPTS
        session.execute(update(Mandate).where(Mandate.id == row.id).values(
            code_attempts=Mandate.code_attempts + 1,
            **({"status": DENIED} if spent else {})).execution_options(
                synchronize_session=False))
        session.refresh(row)
        return False
    values = {"status": ACTIVE, "approved_at": at, "acr": WEAK_ACR,
              "amr": ["id_document", "otp"], "one_time_code_hash": None,
              "expires_at": at + timedelta(seconds=row.duration)}
    if not _move(session, row, at, values):
        raise InvalidRequestError("No pending ID-document mandate for this reference.")
    _audit(session, row, f"staff:{row.clerk_sub}", "mandate.id_document")
    return True


def _move(session: Session, row: Mandate, at: datetime, values: dict) -> bool:
    done = session.execute(
        update(Mandate).where(Mandate.id == row.id, Mandate.status == PENDING,
                              Mandate.request_expires_at > at)
        .values(**values).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        return False
    session.refresh(row)
    return True


def _audit(session: Session, row: Mandate, actor: str, action: str) -> None:
    audit_log.append(session, actor=actor, action=action, subject=row.citizen_sub,
                     data={"mandate": row.public_id, "client_id": row.client_id,
                           "clerk": row.clerk_sub, "hall": row.hall_code,
                           "matter": row.matter, "scope": row.scope, "method": row.method})


def for_exchange(row: Mandate | None, *, client_id: str, clerk_sub: str) -> Mandate:
    """The mandate a token exchange may use, or the RFC answer as an exception.

    RFC 8693 section 2.2.2: a subject token that is "invalid for any reason, or ...
    unacceptable based on policy" is invalid_request: unknown, another client's,
    another clerk's, ended or expired. A request not answered yet is
    authorization_pending and a denied one access_denied (RFC 8628 section 3.5's
    codes, so a station polls as a terminal does)."""
    if row is None or row.client_id != client_id:
        raise InvalidRequestError("The subject_token names no mandate of this client.")
    if row.clerk_sub != clerk_sub:
        raise InvalidRequestError("The actor_token is not the clerk the citizen authorised.")
    at = now()
    if row.status == DENIED:
        raise AccessDeniedError("The citizen did not give the mandate.")
    if row.status == PENDING:
        if row.request_expires_at <= at:
            raise InvalidRequestError("The mandate request expired unanswered; start again.")
        raise AuthorizationPendingError("The citizen has not answered yet.")
    if row.ended_at is not None:
        raise InvalidRequestError("The mandate was ended.")
    if row.expires_at is None or row.expires_at <= at:
        raise InvalidRequestError("The mandate has expired.")
    return row


def record_token(session: Session, row: Mandate, jti: str, expires_at: datetime) -> None:
    """Remember a token issued under ``row`` so that ending the mandate denies it."""
    session.add(MandateToken(mandate_id=row.id, jti=jti, expires_at=expires_at))
    session.flush()


def end(session: Session, denylist: AccessTokenDenylist, row: Mandate, by: str) -> bool:
    """End an active mandate at once and deny every unexpired token issued under it;
    False when it had already ended, expired or was never given."""
    at = now()
    done = session.execute(
        update(Mandate).where(Mandate.id == row.id, Mandate.status == ACTIVE,
                              Mandate.ended_at.is_(None), Mandate.expires_at > at)
        .values(ended_at=at, ended_by=by[:80]).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        return False
    for jti, expires_at in session.execute(
            select(MandateToken.jti, MandateToken.expires_at)
            .where(MandateToken.mandate_id == row.id, MandateToken.expires_at > at)):
        denylist.revoke(session, jti, expires_at)
    session.refresh(row)
    _audit(session, row, by, "mandate.end")
    return True


def live_for(session: Session, citizen_sub: str) -> list[Mandate]:
    """The citizen's mandates in force now, soonest to expire first."""
    return list(session.scalars(select(Mandate).where(
        Mandate.citizen_sub == citizen_sub, Mandate.status == ACTIVE,
        Mandate.ended_at.is_(None), Mandate.expires_at > now())
        .order_by(Mandate.expires_at, Mandate.id)))


def of_citizen(session: Session, citizen_sub: str, public_id: str) -> Mandate | None:
    """The citizen's own mandate with this public id (never another's)."""
    return session.scalar(select(Mandate).where(Mandate.citizen_sub == citizen_sub,
                                                Mandate.public_id == public_id))


def claim(row: Mandate) -> dict:
    """``cn_mandate`` in the tokens: which mandate, how it was given, for what."""
    return {"id": row.public_id, "method": row.method, "matter": row.matter,
            "exp": int(row.expires_at.timestamp()) if row.expires_at else None}


def actor(row: Mandate) -> dict:
    """RFC 8693 section 4.1 ``act``: the clerk, with their station, as verified."""
    return {"sub": row.clerk_sub, "cn_staff_name": row.clerk_name,
            "cn_station": row.hall_name, "cn_station_code": row.hall_code}
