"""Account help at a service hall's counter (no Flask): what a counter clerk does for
the person in front of them, each step audited with the clerk's identity.

- ``find_person``: by citizen ID number (GB 11643) or unified social credit code
  (GB 32100), both validated, as read from the ID document the clerk checked;
- ``issue_reset``: a one-time code and link (idp.reset_codes) to set a new password
  and/or re-enrol the second factor, on the person's own device. The clerk must
  confirm the ID document check (``id_checked``), which is recorded;
- ``lock`` / ``unlock``;
- ``sessions`` / ``end_sessions``: the live SSO sessions, ended with back-channel
  logout to the halls (idp.backchannel) and refresh tokens revoked.

Staff accounts are never recovered here (``NotRecoverableAtCounter``): a clerk must
not be able to take over an administrator's account. An enterprise signs in through
its representatives (idp.representation), so it has nothing to reset: its credit
code finds it (sessions), and a reset is for the representative's own account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from identifiers import InvalidIdentifier, validate_citizen_id, validate_uscc
from idp import accounts, reset_codes
from idp.errors import (
    IdDocumentNotChecked,
    InvalidAccountData,
    NotRecoverableAtCounter,
    UnknownAccount,
)
from idp.models.accounts import Account
from idp.models.clients import OAuthClient
from idp.recovery_audit import Actor, record

if TYPE_CHECKING:
    from idp.sso import SsoSessions

RESET_PATH = "/account/reset"


@dataclass(frozen=True, slots=True)
class CounterReset:
    """What the clerk hands over, once: the code, and the link carrying it."""

    code: str
    link: str
    expires_at: datetime
    resets_password: bool
    resets_totp: bool


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """One live SSO session as a clerk sees it."""

    sid: str
    started_at: datetime | None
    last_seen_at: datetime | None
    device: str | None
    acr: str
    halls: list[str]


def _identifier(text: str) -> tuple[str, str]:
    """("id_number" | "uscc", canonical value); raises InvalidAccountData."""
    value = (text or "").strip().upper()
    for column, validate in (("id_number", validate_citizen_id), ("uscc", validate_uscc)):
        try:
            return column, validate(value)
        except InvalidIdentifier:
            continue
    raise InvalidAccountData("identifier", "expected a citizen ID number (GB 11643) or a "
                             "unified social credit code (GB 32100) with a valid check "
                             "character")


def find_person(session: Session, identifier: str) -> Account:
    """The person or enterprise with this ID number or credit code.

    Raises InvalidAccountData (not a valid identifier), UnknownAccount, or
    NotRecoverableAtCounter (a staff account).
    """
    column, value = _identifier(identifier)
    account = session.scalar(select(Account).where(getattr(Account, column) == value))
    if account is None:
        raise UnknownAccount(f"no account with this {column.replace('_', ' ')}")
    if account.kind == "staff":
        raise NotRecoverableAtCounter("staff accounts are reset by their administrators")
    return account


def _recoverable(account: Account) -> None:
    """Raises NotRecoverableAtCounter for staff and for enterprises."""
    if account.kind == "staff":
        raise NotRecoverableAtCounter("staff accounts are reset by their administrators")
    if account.kind == "enterprise":
        raise NotRecoverableAtCounter("an enterprise has no password or authenticator of "
                                      "its own: help its representative's account")


def reset_link(issuer: str, account: Account, code: str) -> str:
    """The link to the reset page with the login name and code in the fragment: a
    fragment never reaches a server, a log or a Referer header."""
    return f"{issuer.rstrip('/')}{RESET_PATH}#" + urlencode({"login": account.username,
                                                             "code": code})


def issue_reset(session: Session, key: bytes, issuer: str, account: Account, clerk: Actor,
                *, id_checked: bool, password: bool, totp: bool,
                now: datetime | None = None) -> CounterReset:
    """A new one-time reset code for ``account`` (voiding any earlier one).

    Raises IdDocumentNotChecked unless the clerk confirmed the ID document check,
    NotRecoverableAtCounter for staff and enterprises, ValueError when it would reset
    nothing.
    """
    if not id_checked:
        raise IdDocumentNotChecked("confirm that the person's ID document was checked")
    _recoverable(account)
    issued = reset_codes.issue(session, key, account, channel="counter",
                               resets_password=password, resets_totp=totp,
                               issued_by=clerk.ref, now=now)
    record(session, clerk, "operator.account.reset_issued", account, {
        "id_document_checked": True, "password": password, "totp": totp,
        "expires_at": issued.expires_at.isoformat()})
    return CounterReset(code=issued.code, link=reset_link(issuer, account, issued.code),
                        expires_at=issued.expires_at, resets_password=password,
                        resets_totp=totp)


def lock(session: Session, account: Account, actor: Actor, reason: str | None) -> None:
    """Lock the account (no logins; live sessions stop counting), audited."""
    accounts.lock(session, account, reason or "locked by an operator")
    record(session, actor, "operator.account.lock", account, {"reason": account.locked_reason})


def unlock(session: Session, account: Account, actor: Actor) -> None:
    """Unlock the account, audited."""
    accounts.unlock(session, account)
    record(session, actor, "operator.account.unlock", account)


def sessions(session: Session, sso: SsoSessions, account: Account) -> list[SessionInfo]:
    """The account's live SSO sessions, newest first, with the halls that joined each."""
    live = sso.sessions_of(account.id)
    joined = {s.sid: sso.participants(s.sid) for s in live}
    ids = {c for halls in joined.values() for c in halls}
    names = dict(session.execute(select(OAuthClient.client_id, OAuthClient.name)
                                 .where(OAuthClient.client_id.in_(ids))).all()) if ids else {}
    return [SessionInfo(sid=s.sid, started_at=s.started_at, last_seen_at=s.last_seen_at,
                        device=s.device, acr=s.acr,
                        halls=[names.get(c, c) for c in joined[s.sid]]) for s in live]


def end_sessions(session: Session, sso: SsoSessions, account: Account, actor: Actor,
                 sid: str | None = None) -> list[str]:
    """End one live session (``sid``) or all of them; the sids ended. Each ending
    queues back-channel logout tokens to its halls and revokes its refresh tokens
    (idp.backchannel, through ``SsoSessions.on_ended``). Audited.

    Raises UnknownAccount when ``sid`` is not a live session of this account.
    """
    if sid is None:
        ended = sso.end_sessions_of(account.id)
    else:
        if sid not in {s.sid for s in sso.sessions_of(account.id)}:
            raise UnknownAccount("no such live session of this account")
        sso.end_session(sid)
        ended = [sid]
    record(session, actor, "operator.account.sessions_ended", account,
           {"sessions": len(ended), "all": sid is None})
    return ended

