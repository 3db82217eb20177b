"""RP-Initiated Logout 1.0 (end-session endpoint). Back-channel notification of the
halls happens when the SSO session ends (see idp.backchannel)."""

from __future__ import annotations

from authlib.oidc.rpinitiated import EndSessionEndpoint
from flask import Blueprint, g, render_template, request
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError

from idp import error_texts, id_token_hint
from idp.errors import OAuth2Error
from idp.page_guard import guard
from idp.uris import redirect_uri_problem

FORWARDED = ("id_token_hint", "client_id", "post_logout_redirect_uri", "state", "ui_locales")


class EndSession(EndSessionEndpoint):
    def _validate_id_token_hint(self, hint: str) -> dict:
        """Claims of an ID token we issued, expired or not; raises InvalidRequestError.

        RP-Initiated Logout 2: "the OP MUST validate that it was the issuer of the ID
        Token"; and the OP SHOULD accept it even when exp has passed.
        """
        services = self.server.services
        return id_token_hint.verify(services.keyring, services.issuer, hint)

    def get_server_jwks(self):
        # Our own override of _validate_id_token_hint checks hints key by key
        # (retired keys included); this is the published set for Authlib's defaults.
        return self.server.services.keyring.jwks("provider")

    def is_post_logout_redirect_uri_legitimate(self, request, uri, client, logout_hint):
        # RP-Initiated Logout 3: without an id_token_hint we redirect only after the
        # person confirmed on our own (CSRF-protected) page; the URI must still match
        # the client's registered list exactly.
        # Defensive, like the authorization endpoint: never redirect to a stored URI
        # that is not an absolute URI without fragment (RFC 6749 section 3.1.2 rules).
        return bool(g.get("logout_confirmed")) and redirect_uri_problem(uri) is None

    def end_session(self, end_session_request) -> None:
        sessions = self.server.services.sso
        live = sessions.current_session()
        if live is not None:
            sessions.end_session(live.sid)  # on_ended -> back-channel logout tokens


def _confirm_posted() -> bool:
    return request.method == "POST" and request.form.get("confirm") == "1"


def _confirmed() -> bool:
    if not _confirm_posted():
        return False
    try:
        validate_csrf(request.form.get("csrf_token"))
    except (ValidationError, CSRFError):
        return False
    return True


def blueprint(server) -> Blueprint:
    """The end-session endpoint's blueprint (``idp_logout``)."""
    bp = guard(Blueprint("idp_logout", __name__))

    @bp.route("/oauth/logout", methods=["GET", "POST"])
    def logout():
        g.logout_confirmed = _confirmed()
        try:
            req = server.validate_endpoint_request("end_session")
        except OAuth2Error as error:
            # RP-Initiated Logout 4: on errors the OP MUST NOT perform post-logout redirection.
            return render_template("idp/logout_error.html", error=error.error,
                                   description=error_texts.for_code(error.error)), 400
        live = server.services.sso.current_session()
        hint = req.id_token_claims
        hinted = hint and hint.get("sub") == live.sub if live is not None else False
        if live is not None and not g.logout_confirmed and not hinted:
            # RP-Initiated Logout 6: without a valid id_token_hint, confirm with the person.
            return _confirmation(req)
        response = server.create_endpoint_response("end_session", req)
        if response is not None:
            return response
        return render_template("idp/logout_done.html"), 200, {"Cache-Control": "no-store"}

    return bp


def _confirmation(req):
    fields = [(k, request.values[k]) for k in FORWARDED if request.values.get(k)]
    name = req.client.row.name if req.client is not None else None
    headers = {"Cache-Control": "no-store"}
    uri = request.values.get("post_logout_redirect_uri")
    if req.client is not None and uri in req.client.row.post_logout_redirect_uris:
        from urllib.parse import urlsplit

        parts = urlsplit(uri)
        headers["X-Onegate-Form-Action"] = f"{parts.scheme}://{parts.netloc}"
    # A confirmation posted with a missing or stale CSRF token (e.g. the session
    # cookie was lost): ask again, saying why, rather than a bare 400 page.
    expired = _confirm_posted() and not g.get("logout_confirmed")
    return render_template("idp/logout_confirm.html", fields=fields, client_name=name,
                           expired=expired), 200, headers
