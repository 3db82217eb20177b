"""The 代办 mandate endpoints of a station system (``idp.mandates``):

- ``POST /oauth/mandates``: the station asks a citizen for a mandate for its clerk
  (``actor_token``), naming the matter, the scopes and how long. With
  ``method=phone`` the answer carries a user code and the provider URL to show as a
  QR code; with ``method=id_document`` (the clerk checked the ID document:
  ``id_document_checked=true`` and ``id_number``) the provider sends a one-time
  code by SMS to the citizen's verified phone.
- ``POST /oauth/mandates/confirm``: the one-time code the citizen told the clerk.

Both authenticate the station system as a confidential client registered for the
token-exchange grant (RFC 6749 section 2.3.1) and answer errors in RFC 6749
section 5.2's form. The ``mandate_reference`` in the answer is the station's
secret: it is the ``subject_token`` of the later token exchange.
"""

from __future__ import annotations

from flask import Blueprint
from flask import request as flask_request
from sqlalchemy import select

from idp import clerks, clients, mandates, qr_images, user_codes
from idp.errors import (
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Error,
    UnauthorizedClientError,
)
from idp.models.accounts import Account
from idp.parameters import check_single
from idp.senders import Message, SenderUnavailable, masked

PATH = "/oauth/mandates"
CONFIRM_PATH = "/oauth/mandates/confirm"
VERIFICATION_PATH = "/mandate"
_NO_STORE = [("Content-Type", "application/json"), ("Cache-Control", "no-store"),
             ("Pragma", "no-cache")]


class MandateRequest:
    """Authlib endpoint: a station system starts a mandate request."""

    ENDPOINT_NAME = "mandate"
    CLIENT_AUTH_METHODS = list(clients.CONFIDENTIAL_METHODS)

    def __init__(self, server):
        self.server = server

    def __call__(self, request):
        return self.create_endpoint_response(request)

    def create_endpoint_request(self, request):
        return self.server.create_oauth2_request(request)

    def station(self, request):
        """The authenticated station system; raises invalid_client or
        unauthorized_client (not registered for token exchange)."""
        client = self.server.authenticate_client(request, self.CLIENT_AUTH_METHODS,
                                                 self.ENDPOINT_NAME)
        if not client.check_grant_type(clients.TOKEN_EXCHANGE):
            raise UnauthorizedClientError("This client may not act for citizens (register "
                                          "it for the token-exchange grant).")
        return client

    def create_endpoint_response(self, request):
        client = self.station(request)
        data = request.payload.data
        services = self.server.services
        session = services.session()
        clerk = clerks.verified(session, services.access_tokens, data.get("actor_token"),
                                token_type=data.get("actor_token_type"),
                                client_id=client.get_client_id(),
                                hall_code=client.row.hall_code)
        try:
            method = mandates.check_method(data.get("method"))
            asked = mandates.Asked(
                client_id=client.get_client_id(), clerk=clerk,
                matter=mandates.check_matter(data.get("matter")),
                scope=_scope(client, data.get("scope")),
                duration=mandates.check_duration(data.get("expires_in")), method=method,
                citizen_sub=_checked_citizen(session, data) if method == mandates.ID_DOCUMENT
                else None)
        except mandates.BadMandateRequest as exc:
            raise InvalidRequestError(str(exc)) from None
        ttl = services.settings.device_code_ttl
        started = mandates.start(session, services.token_hash_key, asked, ttl=ttl)
        body = {"mandate_reference": started.reference, "method": method, "expires_in": ttl,
                "clerk": {"name": clerk.name, "station": clerk.hall_name}}
        if started.user_code is not None:
            shown = user_codes.shown(started.user_code)
            uri = services.issuer + VERIFICATION_PATH
            complete = f"{uri}?user_code={shown}"
            # The QR code for the clerk's screen, so that no station system needs a
            # QR library of its own (an SVG data: URI, for an <img src>).
            body.update(user_code=shown, verification_uri=uri,
                        verification_uri_complete=complete,
                        verification_uri_complete_qr=qr_images.svg_data_uri(complete),
                        interval=services.settings.device_poll_interval)
        else:
            body["sent_to"] = _send_code(services, session, started)
        return 200, body, _NO_STORE


def _scope(client, value) -> str:
    """The agreed scopes: all allowed to the station system, or invalid_scope."""
    scope = client.get_allowed_scope(value)
    if not scope:
        raise InvalidScopeError("The requested scope is not allowed for this client.")
    return scope


def _checked_citizen(session, data) -> str:
    """The citizen whose document the clerk checked: a person account with a verified
    phone. Raises BadMandateRequest."""
    if data.get("id_document_checked") != "true":
        raise mandates.BadMandateRequest(
            "id_document_checked", "id_document_checked=true: the clerk must check the "
            "citizen's ID document first")
    number = (data.get("id_number") or "").strip().upper()
    person = session.scalar(select(Account).where(Account.id_number == number,
                                                  Account.kind == "person")) if number else None
    if person is None or person.locked:
        raise mandates.BadMandateRequest("id_number", "id_number: no usable account with "
                                         "this citizen ID number")
    if not (person.phone and person.phone_verified):
        raise mandates.BadMandateRequest("id_number", "the citizen has no verified phone "
                                         "to receive the one-time code")
    return person.sub


def _send_code(services, session, started: mandates.Started) -> str:
    """SMS the one-time code to the citizen; returns where it went (masked). Raises
    TemporarilyUnavailable-style invalid_request when no sender can take it."""
    from idp import accounts

    person = accounts.get_by_sub(session, started.row.citizen_sub)
    row = started.row
    text = (f"【一网通办】{row.hall_name} {row.clerk_name} 请求代办“{row.matter}”。"
            f"同意请把验证码 {started.one_time_code} 告诉工作人员；不同意请勿告知。")
    if services.sender is None:
        raise InvalidRequestError("No SMS sender is configured: use method=phone.")
    try:
        services.sender.send(Message("sms", person.phone, "代办验证码", text))
    except SenderUnavailable:
        raise InvalidRequestError("The one-time code could not be sent; try again.") from None
    return masked("sms", person.phone)


class MandateConfirmation(MandateRequest):
    """Authlib endpoint: the one-time code of an ID-document mandate."""

    ENDPOINT_NAME = "mandate_confirm"

    def create_endpoint_response(self, request):
        client = self.station(request)
        data = request.payload.data
        services = self.server.services
        session = services.session()
        row = mandates.find_by_reference(session, services.token_hash_key,
                                         data.get("mandate_reference"))
        if row is None or row.client_id != client.get_client_id():
            raise InvalidRequestError("The mandate_reference names no mandate of this client.")
        if not mandates.confirm_code(session, services.token_hash_key, row,
                                     data.get("one_time_code")):
            left = max(0, mandates.CODE_ATTEMPTS - row.code_attempts)
            raise InvalidGrantError(f"The one-time code is wrong; {left} attempts left.")
        return 200, {"status": row.status, "method": row.method,
                     "expires_at": int(row.expires_at.timestamp())}, _NO_STORE


def register(api: Blueprint, server) -> None:
    """Add both endpoints to the OAuth API blueprint, with the token endpoint's budget
    per client and address."""
    from idp.token_endpoint import check_rate

    def answer(name: str):
        try:
            check_single(flask_request.values)
            check_rate(server.services)
        except OAuth2Error as error:
            return server.handle_error_response(None, error)
        return server.create_endpoint_response(name)

    api.add_url_rule(PATH, "mandates", lambda: answer(MandateRequest.ENDPOINT_NAME),
                     methods=["POST"])
    api.add_url_rule(CONFIRM_PATH, "mandates_confirm",
                     lambda: answer(MandateConfirmation.ENDPOINT_NAME), methods=["POST"])
