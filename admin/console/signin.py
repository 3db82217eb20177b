"""Signing staff in to the console through our own provider, as any hall does.

The console is an OpenID Connect relying party of this very service (client
``onegate-console``, admin.console.client): authorization code flow with ``state``,
``nonce`` and PKCE S256 (RFC 7636), ``acr_values=loa-2``; the code is exchanged
server-side (admin.console.exchange says why and how that is safe here). The ID token
is then checked as OIDC Core 3.1.3.7 says: signature by a published provider key,
``iss``, ``aud`` (and ``azp``), ``exp``, our ``nonce``; and its ``acr`` must be
``loa-2`` (``acr_values`` is a request the provider may not meet: the client must
check, section 5.5.1.1). Only a staff account holding a role enters; anyone else gets
a 403 page. Sign-out is RP-Initiated Logout 1.0 with the ID token as the hint, so the
provider's SSO session ends too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import time
from urllib.parse import urlencode

import jwt
from flask import Blueprint, redirect, render_template, request, session, url_for

from admin.console import session as console_session
from admin.console.auditing import ACTION_PREFIX, actor
from admin.console.exchange import ExchangeFailed
from admin.console.services import ConsoleServices
from audit import log as audit_log
from idp.redirects import safe_next
from keys import KeysError

log = logging.getLogger("onegate.console")
FLOW_KEY = "console_flow"
FLOW_SECONDS = 600
LOA = "loa-2"
ID_TOKEN_ALGORITHMS = ("RS256", "ES256", "EdDSA")


class SignInRefused(Exception):
    """The callback cannot sign anyone in; ``reason`` is shown, ``status`` answered."""

    def __init__(self, reason: str, status: int = 400):
        super().__init__(reason)
        self.reason, self.status = reason, status


def pkce_pair() -> tuple[str, str]:
    """A code verifier (43 characters, 256 bits) and its S256 challenge (RFC 7636 4.2)."""
    verifier = secrets.token_urlsafe(32)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def authorization_url(services: ConsoleServices, next_url: str) -> str:
    """Remember a fresh flow in the Flask session and return where to send the browser."""
    settings = services.settings
    verifier, challenge = pkce_pair()
    flow = {"state": secrets.token_urlsafe(24), "nonce": secrets.token_urlsafe(24),
            "verifier": verifier, "next": next_url, "until": int(time.time()) + FLOW_SECONDS}
    session[FLOW_KEY] = flow
    query = {"response_type": "code", "client_id": settings.client_id,
             "redirect_uri": settings.redirect_uri, "scope": "openid profile",
             "state": flow["state"], "nonce": flow["nonce"], "code_challenge": challenge,
             "code_challenge_method": "S256", "acr_values": LOA}
    locale = session.get("ui_locale")
    if locale:
        query["ui_locales"] = "en" if locale == "en" else "zh-CN"
    return settings.issuer + "/oauth/authorize?" + urlencode(query)


def _take_flow(state: str | None) -> dict:
    """The pending flow this callback answers (used once); raises SignInRefused."""
    flow = session.pop(FLOW_KEY, None)
    if not flow or not state or not hmac.compare_digest(str(flow.get("state")), state):
        raise SignInRefused("state")
    if flow.get("until", 0) < time.time():
        raise SignInRefused("expired")
    return flow


def check_id_token(services: ConsoleServices, token: str, nonce: str) -> dict:
    """The ID token's claims after OIDC Core 3.1.3.7's checks and ours; raises
    SignInRefused."""
    settings = services.settings
    try:
        claims = services.keyring.decode_jwt(
            token, algorithms=ID_TOKEN_ALGORITHMS, audience=settings.client_id,
            issuer=settings.issuer, owner="provider")
    except (jwt.PyJWTError, KeysError, ValueError) as exc:
        log.warning("console ID token refused: %s", type(exc).__name__)
        raise SignInRefused("id_token") from None
    if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
        raise SignInRefused("nonce")
    if claims.get("azp", settings.client_id) != settings.client_id:
        raise SignInRefused("id_token")
    if claims.get("acr") != LOA:
        raise SignInRefused("loa", 403)
    if not claims.get("sid") or not claims.get("sub"):
        raise SignInRefused("id_token")
    return claims


def complete(services: ConsoleServices, args) -> str:
    """Finish a callback: the same-origin path to continue at; raises SignInRefused."""
    if args.get("error"):
        raise SignInRefused("denied" if args["error"] == "access_denied" else "provider")
    flow = _take_flow(args.get("state"))
    if not args.get("code"):
        raise SignInRefused("state")
    try:
        tokens = services.exchange(args["code"], flow["verifier"],
                                   services.settings.redirect_uri)
    except ExchangeFailed:
        raise SignInRefused("exchange", 502) from None
    claims = check_id_token(services, str(tokens.get("id_token", "")), flow["nonce"])
    member = console_session.member_of(services, claims["sub"])
    if member is None:
        raise SignInRefused("not_staff", 403)
    console_session.begin(claims["sub"], claims["sid"], tokens["id_token"])
    audit_log.append(services.session(), actor=actor(member.sub),
                     action=ACTION_PREFIX + "sign_in", subject=member.sub,
                     data={"roles": [g.label() for g in member.grants],
                           "username": member.username, "acr": claims["acr"]})
    return safe_next(flow.get("next")) or url_for("console_dashboard.index")


def blueprint(services: ConsoleServices) -> Blueprint:
    """``console_signin``: /admin/login, /admin/callback, /admin/logout, /admin/signed-out."""
    from admin.console.pages import console_blueprint

    bp = console_blueprint("console_signin", "/admin", services)

    @bp.get("/login")
    def login():
        wanted = safe_next(request.args.get("next"))
        next_url = wanted if wanted and wanted.startswith("/admin") else None
        return redirect(authorization_url(services, next_url or "/admin/"))

    @bp.get("/callback")
    def callback():
        try:
            return redirect(complete(services, request.args))
        except SignInRefused as refused:
            return render_template("console/signin_refused.html", reason=refused.reason), \
                refused.status

    @bp.post("/logout")
    def logout():
        ended = console_session.sign_out()
        if ended is None:
            return redirect(url_for(".signed_out"))
        audit_log.append(services.session(), actor=actor(ended["sub"]),
                         action=ACTION_PREFIX + "sign_out", subject=ended["sub"], data={})
        query = {"id_token_hint": ended.get("hint", ""), "client_id": services.settings.client_id,
                 "post_logout_redirect_uri": services.settings.signed_out_uri}
        return redirect(services.settings.issuer + "/oauth/logout?" + urlencode(query))

    @bp.get("/signed-out")
    def signed_out():
        return render_template("console/signed_out.html")

    return bp
