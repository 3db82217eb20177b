"""The single sign-on session: one ``onegate_sso`` cookie per browser, one row per session.

The cookie holds the ``sid`` signed with SECRET_KEY (itsdangerous), so a guessed or
leaked-from-logs ``sid`` cannot be turned into a cookie; the row says who, how
(``acr``/``amr``), when (``auth_time``) and until when. Cookie flags: HttpOnly,
SameSite=Lax (top-level redirects from halls still carry it), Secure when the
issuer is https, Path=/.

API for the protocol code: ``current_session``, ``load_session``, ``login_url``,
``start_session``, ``reauthenticate``, ``end_session``, ``add_participant``,
``participants`` (and ``establish``, ``sessions_of`` for the login pages); the
``session_ended`` signal fires (sender: the app, ``sid=``) whenever a session is
ended, e.g. to queue back-channel logout tokens.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from blinker import Namespace
from flask import after_this_request, current_app, g, has_request_context, request, url_for
from itsdangerous import BadSignature, Signer
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from edge.timestamps import utcnow
from idp.models.accounts import Account
from idp.models.sso_sessions import SsoParticipant
from idp.models.sso_sessions import SsoSession as SessionRow
from idp.redirects import safe_next

COOKIE = "onegate_sso"
ACRS = ("loa-1", "loa-2")
_G_KEY = "onegate_sso_session"
_signals = Namespace()
session_ended = _signals.signal("onegate-sso-session-ended")


@dataclass(frozen=True, slots=True)
class SsoSession:
    sid: str
    account_id: int
    sub: str
    auth_time: int
    acr: str
    amr: list[str]
    expires_at: datetime
    #: ``auth_time`` to the microsecond, to order a login against a demand for one
    authenticated_at: datetime | None = None


def _factory():
    return current_app.extensions["onegate.sessions"]


def _signer() -> Signer:
    return Signer(current_app.config["SECRET_KEY"], salt="onegate-sso-cookie")


def _cookie_sid() -> str | None:
    value = request.cookies.get(COOKIE)
    if not value:
        return None
    try:
        return _signer().unsign(value).decode()
    except BadSignature:
        return None


def _view(row: SessionRow, account: Account) -> SsoSession:
    return SsoSession(sid=row.sid, account_id=row.account_id, sub=account.sub,
                      auth_time=int(row.auth_time.timestamp()), acr=row.acr,
                      amr=list(row.amr), expires_at=row.expires_at,
                      authenticated_at=row.auth_time)


def load_session(sid: str) -> SsoSession | None:
    """The live session ``sid``: not ended, not expired, account not locked; else None."""
    with _factory()() as session:
        found = session.execute(
            select(SessionRow, Account).join(Account, Account.id == SessionRow.account_id)
            .where(SessionRow.sid == sid)).first()
    if found is None:
        return None
    row, account = found
    if row.ended_at is not None or row.expires_at <= utcnow() or account.locked:
        return None
    return _view(row, account)


def current_session() -> SsoSession | None:
    """The browser's live session (from the signed cookie), or None."""
    if _G_KEY not in g:
        sid = _cookie_sid()
        setattr(g, _G_KEY, load_session(sid) if sid else None)
    return getattr(g, _G_KEY)


def _set_cookie(sid: str) -> None:
    value = _signer().sign(sid).decode()
    settings = current_app.config["ONEGATE"]

    @after_this_request
    def _cookie(response):
        response.set_cookie(COOKIE, value, max_age=settings["SESSION_TTL"], path="/",
                            httponly=True, samesite="Lax",
                            secure=settings["ISSUER"].startswith("https://"))
        return response


def start_session(account: Account, *, amr: list[str], acr: str) -> SsoSession:
    """A new session for ``account``, with the cookie set on the current response."""
    now = utcnow()
    row = SessionRow(sid=secrets.token_urlsafe(24), account_id=account.id, auth_time=now,
                     acr=acr, amr=list(amr), created_at=now, expires_at=now + _ttl())
    with _factory().begin() as session:
        session.add(row)
    view = _view(row, account)
    _set_cookie(row.sid)
    setattr(g, _G_KEY, view)
    return view


def _ttl() -> timedelta:
    return timedelta(seconds=current_app.config["ONEGATE"]["SESSION_TTL"])


def reauthenticate(sid: str, *, amr: list[str], acr: str) -> SsoSession | None:
    """Same sid, fresh ``auth_time`` (prompt=login, max_age, step-up); None if not live."""
    now = utcnow()
    with _factory().begin() as session:
        session.execute(update(SessionRow).where(SessionRow.sid == sid)
                        .values(auth_time=now, amr=list(amr), acr=acr, expires_at=now + _ttl()))
    if has_request_context():
        g.pop(_G_KEY, None)
    return load_session(sid)


def end_session(sid: str) -> None:
    """Mark the session ended (idempotent), clear the cookie if it is this browser's,
    and send ``session_ended``."""
    _mark_ended(sid)
    if has_request_context() and _cookie_sid() == sid:
        setattr(g, _G_KEY, None)
        after_this_request(_clear_cookie)


def _mark_ended(sid: str) -> None:
    with _factory().begin() as session:
        ended = session.execute(update(SessionRow).where(SessionRow.sid == sid,
                                                         SessionRow.ended_at.is_(None))
                                .values(ended_at=utcnow())).rowcount
    if ended:
        session_ended.send(current_app._get_current_object(), sid=sid)


def establish(account: Account, *, amr: list[str], acr: str) -> SsoSession:
    """After a successful login: refresh this browser's session when it is the same
    account's (same sid), else end it and start a new one (no session fixation)."""
    live = current_session()
    if live and live.account_id == account.id:
        refreshed = reauthenticate(live.sid, amr=amr, acr=acr)
        if refreshed is not None:
            return refreshed
    if live:
        _mark_ended(live.sid)
    return start_session(account, amr=amr, acr=acr)


def _clear_cookie(response):
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Lax",
                           secure=current_app.config["ONEGATE"]["ISSUER"].startswith("https://"))
    return response


def add_participant(sid: str, client_id: str) -> None:
    """Record that ``client_id`` took part in the session (idempotent)."""
    try:
        with _factory().begin() as session:
            if session.get(SsoParticipant, (sid, client_id)) is None:
                session.add(SsoParticipant(sid=sid, client_id=client_id, first_seen=utcnow()))
    except IntegrityError:  # a concurrent request recorded it first
        pass


def participants(sid: str) -> list[str]:
    """Client ids that took part in the session, in the order they joined."""
    with _factory()() as session:
        query = (select(SsoParticipant.client_id).where(SsoParticipant.sid == sid)
                 .order_by(SsoParticipant.first_seen, SsoParticipant.client_id))
        return list(session.scalars(query))


def sessions_of(account_id: int) -> list[SsoSession]:
    """The account's live sessions, newest first (for the account page)."""
    with _factory()() as session:
        rows = session.execute(
            select(SessionRow, Account).join(Account, Account.id == SessionRow.account_id)
            .where(SessionRow.account_id == account_id, SessionRow.ended_at.is_(None),
                   SessionRow.expires_at > utcnow())
            .order_by(SessionRow.created_at.desc())).all()
    return [_view(row, account) for row, account in rows]


def login_url(next_url: str, *, acr: str | None = None, force: bool = False,
              ui_locales: str | None = None, login_hint: str | None = None) -> str:
    """The login page's URL; after success the browser goes to ``next_url``.

    Raises ValueError unless ``next_url`` is a same-origin path ("/...", not "//").
    """
    if safe_next(next_url) is None:
        raise ValueError("next_url must be a same-origin path starting with '/'")
    params = {"next": next_url, "acr": acr, "force": "1" if force else None,
              "ui_locales": ui_locales, "login_hint": login_hint}
    return url_for("idp_login.login", **{k: v for k, v in params.items() if v})
