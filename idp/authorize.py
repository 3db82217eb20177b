"""The authorization endpoint (RFC 6749 section 3.1, OIDC Core 3.1.2), as an ordered
list of small checks: client and redirect URI, request, prompt, login, consent, code."""

from __future__ import annotations

import re
import time
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

from authlib.common.urls import add_params_to_uri
from authlib.oidc.core.errors import RequestNotSupportedError, RequestURINotSupportedError
from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError

from idp import acting_for, clients, consent, id_token_hint, reauth, representation, sso, tokens
from idp.errors import AuthorizePageError, InvalidRequestError, OAuth2Error
from idp.models.accounts import Account
from idp.parameters import check_single
from idp.uris import redirect_uri_problem

if TYPE_CHECKING:
    from idp.services import IdpServices

PROMPTS = {"none", "login", "consent", "select_account"}
FORM_ONLY = {"csrf_token", "decision"}
MAX_NONCE = 255


def register(pages: Blueprint, server) -> None:
    """Add the authorization endpoint to the protocol's page blueprint."""
    services = server.services

    @pages.route("/oauth/authorize", methods=["GET", "POST"])
    def authorize():
        return authorization_response(server, services)


def authorization_response(server, services: IdpServices):
    try:
        client, redirect_uri = check_client_and_redirect_uri(services)
    except AuthorizePageError as exc:
        return error_page(exc)
    # RFC 6749 section 4.1.2.1: state is echoed exactly; a repeated state has no
    # single exact value, so none is echoed.
    states = request.values.getlist("state")
    state = states[0] if len(states) == 1 else None
    try:
        check_single(request.values)
        check_response_type()
        check_unsupported_parameters()
        acting_for.check_not_in_query()
        grant = server.get_consent_grant(end_user=None)
        prompts = check_prompt()
        max_age = check_max_age()
        hinted = id_token_hint.hinted_subject(services.keyring, services.issuer,
                                              request.values.get("id_token_hint"))
    except OAuth2Error as error:
        return error_redirect(services, redirect_uri, error.error, clean_description(error),
                              state)
    live = services.sso.current_session()
    session = services.session()
    key = reauth.request_key(client.get_client_id(), redirect_uri,
                             request.values.get("code_challenge"))
    login = login_needed(live, prompts, max_age, hinted, reauth.pending_since(session, key))
    if login is not None:
        if "none" in prompts:
            # OIDC Core 3.1.2.6: prompt=none without a usable session -> login_required.
            return error_redirect(services, redirect_uri, "login_required", None, state)
        reauth.demand(session, key, services.settings.session_ttl)
        return redirect(sso.login_url(next_path(), acr=login["acr"], force=login["force"],
                                      ui_locales=request.values.get("ui_locales"),
                                      login_hint=request.values.get("login_hint")))
    return decide(server, services, grant, client, redirect_uri, live, prompts, state)


def decide(server, services: IdpServices, grant, client, redirect_uri, live, prompts, state):
    scopes = (grant.request.scope or "").split()
    session = services.session()
    try:
        party = acting_for.resolve(services, live.account_id, scopes)
    except acting_for.ChoiceNeeded as needed:
        if "none" in prompts:
            # OIDC Core 3.1.2.6: the person must be asked whom they act for.
            return error_redirect(services, redirect_uri, "interaction_required", None, state)
        return chooser(services, client, redirect_uri, live, needed.parties)
    except acting_for.NotRepresentative:
        return chooser(services, client, redirect_uri, live, None, refused=True)
    decision = consent_decision()
    if decision is not None:
        if decision != "allow":
            # RFC 6749 section 4.1.2.1: the resource owner denied the request.
            return error_redirect(services, redirect_uri, "access_denied", None, state)
        consent.record(session, live.sub, client.get_client_id(), scopes)
    elif consent.needs_consent(session, client, live.sub, scopes, prompts,
                               services.first_party_clients):
        if "none" in prompts:
            return error_redirect(services, redirect_uri, "consent_required", None, state)
        return consent_page(services, client, redirect_uri, scopes,
                            expired=consent_form_expired(), party=party)
    user = tokens.EndUser(sub=live.sub, sid=live.sid, auth_time=live.auth_time,
                          acr=live.acr, amr=list(live.amr), party=party)
    services.sso.add_participant(live.sid, client.get_client_id())
    return server.create_authorization_response(grant=grant, grant_user=user)


def chooser(services: IdpServices, client, redirect_uri: str, live, parties, *,
            refused: bool = False):
    """Ask whom the person acts for (``idp.acting_for``); after a refused choice the
    page lists the live options again, with a 403 and no code. Like the consent form,
    its form may be redirected on to the hall (CSP form-action)."""
    session = services.session()
    person = session.get(Account, live.account_id)
    if parties is None:
        parties = representation.live_parties(session, person)
    params = [(k, v) for k, v in request.values.items(multi=True)
              if k not in FORM_ONLY and k != acting_for.CHOICE]
    body, status, headers = acting_for.chooser_page(client.row.name, person.display_name,
                                                    parties, params, refused=refused)
    parts = urlsplit(redirect_uri)
    return body, status, {**headers, "X-Onegate-Form-Action": f"{parts.scheme}://{parts.netloc}"}


def consent_decision() -> str | None:
    """The person's answer on our consent page, or None when this is not one.

    OIDC Core 3.1.2.1: the authorization endpoint MUST support GET and POST, so the
    endpoint is exempt from the app-wide CSRF check and checks the token itself, only
    for the consent form's decision.
    """
    if request.method != "POST" or "decision" not in request.form:
        return None
    try:
        validate_csrf(request.form.get("csrf_token"))
    except (ValidationError, CSRFError):
        return None
    return request.form["decision"]


def consent_form_expired() -> bool:
    """Our consent form came back with a missing or stale CSRF token: the page is
    shown again with a notice (the person confirms again; nothing was granted)."""
    return request.method == "POST" and "decision" in request.form and \
        consent_decision() is None


def check_client_and_redirect_uri(services: IdpServices):
    """RFC 6749 section 4.1.2.1: with a missing, invalid or mismatching redirect URI or
    client_id the server "MUST NOT automatically redirect the user-agent"."""
    ids = request.values.getlist("client_id")
    if len(ids) != 1:
        raise AuthorizePageError("invalid_request",
                                 _l("The request names no service, or more than one."))
    client = clients.find(services.session(), services.client_secrets, ids[0],
                          include_disabled=True)
    if client is None:
        raise AuthorizePageError("invalid_client",
                                 _l("The service that sent you here is not registered "
                                    "with us."))
    if client.row.disabled:
        raise AuthorizePageError("unauthorized_client", _l("This service has been disabled."))
    uris = request.values.getlist("redirect_uri")
    # OIDC Core 3.1.2.1: redirect_uri is REQUIRED and MUST exactly match a registered one.
    if len(uris) != 1 or not client.check_redirect_uri(uris[0]):
        raise AuthorizePageError("invalid_request",
                                 _l("The address to return you to is missing or is not "
                                    "one the service registered."))
    if redirect_uri_problem(uris[0]) is not None:
        # RFC 6749 section 3.1.2: "The redirection endpoint URI MUST be an absolute
        # URI ... MUST NOT include a fragment component." A registration made before
        # `clients add` checked this must not send the browser to, say, javascript:.
        raise AuthorizePageError("invalid_request",
                                 _l("The address the service registered to return you to "
                                    "is not valid."))
    return client, uris[0]


def check_response_type() -> None:
    """RFC 6749 section 3.1.1: response_type is REQUIRED; a missing one is
    invalid_request (section 4.1.2.1: "missing a required parameter"), one we do not
    support is unsupported_response_type. Only ``code`` (discovery says so)."""
    value = request.values.get("response_type")
    if not value:
        raise InvalidRequestError("The response_type parameter is missing.")
    if value != "code":
        raise UnsupportedResponseType()


class UnsupportedResponseType(OAuth2Error):
    """RFC 6749 section 4.1.2.1 unsupported_response_type, with a plain description
    (Authlib's class formats its own description around the response type)."""

    error = "unsupported_response_type"
    description = "Only the code response type is supported."


#: Clean descriptions for Authlib's terse ones: RFC 6749 section 4.1.2.1 makes
#: error_description "Human-readable ASCII [USASCII] text ... to assist the client
#: developer", so each is a short English sentence.
_AUTHLIB_DESCRIPTIONS = [
    (re.compile(r"^Missing '(\w+)'"), "The {} parameter is missing."),
    (re.compile(r"^Multiple '(\w+)'"), "The {} parameter is repeated."),
    (re.compile(r"^Invalid '(\w+)'"), "The {} parameter is not valid."),
    (re.compile(r"^Unsupported '(\w+)'"), "This {} is not supported."),
]
_BY_CODE = {
    "unsupported_response_type": "Only the code response type is supported.",
    "unauthorized_client": "This client may not use the code response type.",
    "invalid_scope": "The requested scope is not allowed for this client.",
    "request_not_supported": "The request parameter (request objects) is not supported.",
    "request_uri_not_supported": "The request_uri parameter is not supported.",
}


def clean_description(error: OAuth2Error) -> str | None:
    """A short English sentence in RFC 6749's error_description character set
    (%x20-21 / %x23-5B / %x5D-7E), at most 200 characters."""
    if error.error in _BY_CODE:
        return _BY_CODE[error.error]
    text = (error.get_error_description() or "").strip()
    for pattern, sentence in _AUTHLIB_DESCRIPTIONS:
        if match := pattern.match(text):
            text = sentence.format(match.group(1))
            break
    text = "".join(c for c in text if 0x20 <= ord(c) <= 0x7E and c not in '"\\')
    text = " ".join(text.split())[:200]
    if text and text[-1] not in ".!?":
        text += "."
    return text[:1].upper() + text[1:] if text else None


def check_unsupported_parameters() -> None:
    """OIDC Core 6.1/6.2: an OP not supporting request objects returns
    request_not_supported / request_uri_not_supported (discovery says so too);
    likewise for response modes other than query."""
    if request.values.get("request"):
        raise RequestNotSupportedError()
    if request.values.get("request_uri"):
        raise RequestURINotSupportedError()
    if request.values.get("response_mode", "query") != "query":
        # Discovery advertises response_modes_supported ["query"]: a hall asking for
        # fragment or form_post would otherwise get a response it does not look for.
        raise InvalidRequestError("Only the query response_mode is supported.")
    if len(request.values.get("nonce", "")) > MAX_NONCE:
        raise InvalidRequestError(f"The nonce is longer than {MAX_NONCE} characters.")


def check_prompt() -> set[str]:
    prompts = set(request.values.get("prompt", "").split())
    if "none" in prompts and len(prompts) > 1:
        # OIDC Core 3.1.2.1: none with any other value is an error.
        raise InvalidRequestError("The prompt value none cannot be combined with others.")
    return prompts & PROMPTS


def check_max_age() -> int | None:
    value = request.values.get("max_age")
    if value is None or value == "":
        return None
    if not (value.isascii() and value.isdigit()):  # int() refuses superscript digits
        raise InvalidRequestError("The max_age parameter must be a non-negative integer.")
    return int(value)


def login_needed(live, prompts: set[str], max_age: int | None, hinted: str | None,
                 demanded: datetime | None) -> dict | None:
    """None when the live session will do; else how to (re-)authenticate.

    ``demanded`` is when the provider last sent this request to log in (see
    ``idp.reauth``): until this browser's session logged in after it, nothing else
    counts; once it has, that fresh login satisfies prompt=login, max_age and the hint.
    """
    acr = "loa-2" if "loa-2" in request.values.get("acr_values", "").split() else None
    if live is None:
        return {"force": False, "acr": acr}
    if demanded is not None:
        if not reauth.met_by(demanded, live.authenticated_at):
            return {"force": True, "acr": acr}
    elif reauthentication_due(live, prompts, max_age, hinted):
        return {"force": True, "acr": acr}
    if acr == "loa-2" and live.acr != "loa-2":
        return {"force": False, "acr": acr}
    return None


def reauthentication_due(live, prompts: set[str], max_age: int | None,
                         hinted: str | None) -> bool:
    """OIDC Core 3.1.2.1: prompt=login -> the server MUST reauthenticate; past
    max_age it MUST actively re-authenticate; an id_token_hint naming someone else
    than the session's person is not a positive answer without a fresh login."""
    if "login" in prompts:
        return True
    if max_age is not None and time.time() - live.auth_time > max_age:
        return True
    return hinted is not None and hinted != live.sub


def next_path() -> str:
    """This request as a same-origin path to come back to after login, unchanged: the
    recorded demand, not the absence of prompt=login or max_age, lets it through."""
    params = [(k, v) for k, v in request.values.items(multi=True) if k not in FORM_ONLY]
    return url_for("idp_oauth.authorize") + "?" + urlencode(params)


def error_redirect(services: IdpServices, redirect_uri: str, error: str,
                   description: str | None, state: str | None):
    """RFC 6749 section 4.1.2.1 error response; RFC 9207 section 2: iss included."""
    params = [("error", error)]
    if description:
        params.append(("error_description", description))
    if state:
        params.append(("state", state))
    params.append(("iss", services.issuer))
    return redirect(add_params_to_uri(redirect_uri, params), 302)


def error_page(exc: AuthorizePageError):
    return render_template("idp/authorize_error.html", error=exc.error,
                           description=exc.description), 400


def consent_page(services: IdpServices, client, redirect_uri: str, scopes: list[str], *,
                 expired: bool = False, party=None):
    params = [(k, v) for k, v in request.values.items(multi=True) if k not in FORM_ONLY]
    response = render_template("idp/consent.html", client_name=client.row.name,
                               scopes=consent.describe(scopes, services.licence_type_names),
                               params=params,
                               expired=expired, party=party)
    parts = urlsplit(redirect_uri)
    # The allow/deny form posts here and is redirected on to the hall (CSP form-action).
    return response, 200, {"X-Onegate-Form-Action": f"{parts.scheme}://{parts.netloc}",
                           "Cache-Control": "no-store"}


def form_action_origin(services: IdpServices, next_url: str | None) -> str | None:
    """The hall origin a login form's redirect chain will end at, for CSP form-action.

    For a ``next_url`` that is one of our authorization requests with a registered
    redirect URI, return ``scheme://host[:port]`` of that URI (put it in the login
    page's ``X-Onegate-Form-Action`` header); otherwise None.
    """
    from urllib.parse import parse_qs

    if not next_url or not next_url.startswith(url_for("idp_oauth.authorize") + "?"):
        return None
    values = parse_qs(urlsplit(next_url).query)
    client = clients.find(services.session(), services.client_secrets,
                          (values.get("client_id") or [None])[0])
    uri = (values.get("redirect_uri") or [None])[0]
    if client is None or not uri or not client.check_redirect_uri(uri):
        return None
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}"
