"""The single sign-on session: one ``onegate_sso`` cookie per browser, one row per session.

The cookie holds the ``sid`` signed with SECRET_KEY (itsdangerous), so a guessed or
leaked-from-logs ``sid`` cannot be turned into a cookie; the row says who, how
(``acr``/``amr``), when (``auth_time``) and until when. Cookie flags: HttpOnly,
SameSite=Lax (top-level redirects from halls still carry it), Secure when the
issuer is https, Path=/.

API for the protocol code: ``SsoSessions`` (one per app, in ``IdpServices.sso``) with
``current_session``, ``load_session``, ``start_session``, ``reauthenticate``,
``end_session``, ``add_participant``, ``participants`` (and ``establish``,
``sessions_of`` for the login pages), all in the request's unit of work; and
``login_url``. Whenever a session is ended, each of ``SsoSessions.on_ended`` is called
with the ``sid`` (in the same unit of work: back-channel logout tokens are queued with
the ending) and the ``session_ended`` signal fires (sender: the SsoSessions, ``sid=``).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from blinker import Namespace
from flask import after_this_request, g, has_request_context, request, url_for
from itsdangerous import BadSignature, Signer
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from edge.timestamps import utcnow
from edge.unit_of_work import UnitOfWork
from idp.models.accounts import Account
from idp.models.sso_sessions import SsoParticipant
from idp.models.sso_sessions import SsoSession as SessionRow
from idp.redirects import safe_next
from idp.upsert import insert_ignore

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
    started_at: datetime | None = None
    #: The last login or hall sign-in in this session
    last_seen_at: datetime | None = None
    #: The browser's User-Agent when the session started
    device: str | None = None


def _view(row: SessionRow, account: Account) -> SsoSession:
    return SsoSession(sid=row.sid, account_id=row.account_id, sub=account.sub,
                      auth_time=int(row.auth_time.timestamp()), acr=row.acr,
                      amr=list(row.amr), expires_at=row.expires_at,
                      authenticated_at=row.auth_time, started_at=row.created_at,
                      last_seen_at=row.last_seen_at or row.auth_time, device=row.device)


class SsoSessions:
    """The SSO sessions of one app, kept in its database through the current unit of
    work; the cookie is signed with ``secret_key``."""

    def __init__(self, unit_of_work: UnitOfWork, *, secret_key: str, ttl_seconds: int,
                 secure: bool) -> None:
        self.unit_of_work = unit_of_work
        self.ttl = timedelta(seconds=ttl_seconds)
        self.secure = secure
        self.signer = Signer(secret_key, salt="onegate-sso-cookie")
        #: Called with the sid of every session ended, in the ending's unit of work.
        self.on_ended: list[Callable[[str], None]] = []

    def _session(self) -> Session:
        return self.unit_of_work.session()

    def _cookie_sid(self) -> str | None:
        value = request.cookies.get(COOKIE)
        if not value:
            return None
        try:
            return self.signer.unsign(value).decode()
        except BadSignature:
            return None

    def cookie_value(self, sid: str) -> str:
        """The signed cookie value naming ``sid``."""
        return self.signer.sign(sid).decode()

    def load_session(self, sid: str) -> SsoSession | None:
        """The live session ``sid``: not ended, not expired, account not locked; else None."""
        found = self._session().execute(
            select(SessionRow, Account).join(Account, Account.id == SessionRow.account_id)
            .where(SessionRow.sid == sid)).first()
        if found is None:
            return None
        row, account = found
        if row.ended_at is not None or row.expires_at <= utcnow() or account.locked:
            return None
        return _view(row, account)

    def current_session(self) -> SsoSession | None:
        """The browser's live session (from the signed cookie), or None."""
        if _G_KEY not in g:
            sid = self._cookie_sid()
            setattr(g, _G_KEY, self.load_session(sid) if sid else None)
        return getattr(g, _G_KEY)

    def _set_cookie(self, sid: str) -> None:
        value, max_age, secure = self.cookie_value(sid), int(self.ttl.total_seconds()), \
            self.secure

        @after_this_request
        def _cookie(response):
            response.set_cookie(COOKIE, value, max_age=max_age, path="/", httponly=True,
                                samesite="Lax", secure=secure)
            return response

    def start_session(self, account: Account, *, amr: list[str], acr: str,
                      authenticated_at: datetime | None = None) -> SsoSession:
        """A new session for ``account``, with the cookie set on the current response;
        ``authenticated_at`` when the person authenticated elsewhere (a phone's
        approval of a desktop login: its session's time), else now."""
        now = utcnow()
        row = SessionRow(sid=secrets.token_urlsafe(24), account_id=account.id,
                         auth_time=authenticated_at or now,
                         acr=acr, amr=list(amr), created_at=now, expires_at=now + self.ttl,
                         last_seen_at=now, device=_device())
        session = self._session()
        session.add(row)
        session.flush()
        view = _view(row, account)
        self._set_cookie(row.sid)
        setattr(g, _G_KEY, view)
        return view

    def reauthenticate(self, sid: str, *, amr: list[str], acr: str,
                       authenticated_at: datetime | None = None) -> SsoSession | None:
        """Same sid, fresh ``auth_time`` (prompt=login, max_age, step-up; or
        ``authenticated_at``, see start_session); None if not live."""
        now = utcnow()
        self._session().execute(
            update(SessionRow).where(SessionRow.sid == sid)
            .values(auth_time=authenticated_at or now, amr=list(amr), acr=acr,
                    expires_at=now + self.ttl, last_seen_at=now)
            .execution_options(synchronize_session="fetch"))
        if has_request_context():
            g.pop(_G_KEY, None)
        return self.load_session(sid)

    def end_session(self, sid: str) -> None:
        """Mark the session ended (idempotent), clear the cookie if it is this browser's,
        and tell ``on_ended`` and ``session_ended``."""
        self._mark_ended(sid)
        if has_request_context() and self._cookie_sid() == sid:
            setattr(g, _G_KEY, None)
            after_this_request(self._clear_cookie)

    def _mark_ended(self, sid: str) -> None:
        ended = self._session().execute(
            update(SessionRow).where(SessionRow.sid == sid, SessionRow.ended_at.is_(None))
            .values(ended_at=utcnow()).execution_options(synchronize_session="fetch")).rowcount
        if ended:
            for hook in self.on_ended:
                hook(sid)
            session_ended.send(self, sid=sid)

    def establish(self, account: Account, *, amr: list[str], acr: str,
                  authenticated_at: datetime | None = None) -> SsoSession:
        """After a successful login: refresh this browser's session when it is the same
        account's (same sid), else end it and start a new one (no session fixation).
        ``authenticated_at``: see start_session."""
        live = self.current_session()
        if live and live.account_id == account.id:
            refreshed = self.reauthenticate(live.sid, amr=amr, acr=acr,
                                            authenticated_at=authenticated_at)
            if refreshed is not None:
                return refreshed
        if live:
            self._mark_ended(live.sid)
        return self.start_session(account, amr=amr, acr=acr, authenticated_at=authenticated_at)

    def _clear_cookie(self, response):
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Lax",
                               secure=self.secure)
        return response

    def add_participant(self, sid: str, client_id: str) -> None:
        """Record that ``client_id`` took part in the session (idempotent, also against
        a concurrent request recording it first)."""
        now = utcnow()
        insert_ignore(self._session(), SsoParticipant,
                      {"sid": sid, "client_id": client_id, "first_seen": now})
        # A hall sign-in already writes its code: one more small UPDATE keeps "last
        # seen" meaningful without a write per page view.
        self._session().execute(update(SessionRow).where(SessionRow.sid == sid)
                                .values(last_seen_at=now)
                                .execution_options(synchronize_session=False))

    def participants(self, sid: str) -> list[str]:
        """Client ids that took part in the session, in the order they joined."""
        query = (select(SsoParticipant.client_id).where(SsoParticipant.sid == sid)
                 .order_by(SsoParticipant.first_seen, SsoParticipant.client_id))
        return list(self._session().scalars(query))

    def end_sessions_of(self, account_id: int) -> list[str]:
        """End every live session of the account (each through ``end_session``, so
        the halls are told); the sids ended."""
        sids = [s.sid for s in self.sessions_of(account_id)]
        for sid in sids:
            self.end_session(sid)
        return sids

    def sessions_of(self, account_id: int) -> list[SsoSession]:
        """The account's live sessions, newest first (for the account page)."""
        rows = self._session().execute(
            select(SessionRow, Account).join(Account, Account.id == SessionRow.account_id)
            .where(SessionRow.account_id == account_id, SessionRow.ended_at.is_(None),
                   SessionRow.expires_at > utcnow())
            .order_by(SessionRow.created_at.desc())).all()
        return [_view(row, account) for row, account in rows]


def _device() -> str | None:
    """The User-Agent of the request starting a session (None outside a request)."""
    if not has_request_context():
        return None
    return (request.headers.get("User-Agent") or "")[:200] or None


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
