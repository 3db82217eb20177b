"""Whom the person acts for in one authorization request: themselves or one of their
enterprises (``idp.representation``).

A hall asks by including the scope ``enterprise`` (a scope value in the sense of
RFC 6749 section 3.3, advertised in discovery's ``scopes_supported``). After login,
the provider then shows "act for whom?" listing the person's live authorisations;
with none, the person acts for themselves without a question. The answer comes back
only in our own CSRF-protected form (field ``acting_for``: ``self`` or the
enterprise's ``sub``), is checked against the person's live authorisations, and is
bound to this request's authorization code -- never kept in the SSO session, so it
cannot leak into another hall's request. A hall cannot choose for the person: an
``acting_for`` in the query string is refused as invalid_request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import render_template, request
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError

from idp import representation
from idp.errors import InvalidRequestError
from idp.models.accounts import Account
from idp.representation import NotRepresentative, Party

if TYPE_CHECKING:
    from idp.services import IdpServices

ENTERPRISE_SCOPE = "enterprise"
CHOICE = "acting_for"
SELF = "self"


class ChoiceNeeded(Exception):  # noqa: N818 - a state, not a failure
    """The person must be asked; ``parties`` are their live options."""

    def __init__(self, parties: list[Party]):
        super().__init__("the person must choose whom they act for")
        self.parties = parties


def check_not_in_query() -> None:
    """Raises InvalidRequestError when the hall put ``acting_for`` in the request: the
    person chooses, on our page, not the hall."""
    if CHOICE in request.args:
        raise InvalidRequestError("The acting_for parameter is set by the person on the "
                                  "provider's page, not in the request; ask with the "
                                  "enterprise scope.")


def posted_choice() -> str | None:
    """The person's answer from our form (CSRF checked), or None."""
    if request.method != "POST" or CHOICE not in request.form:
        return None
    try:
        validate_csrf(request.form.get("csrf_token"))
    except (ValidationError, CSRFError):
        return None
    return request.form[CHOICE]


def resolve(services: IdpServices, account_id: int, scopes: list[str]) -> Party | None:
    """The party of this request: None for the person themselves, else the enterprise.

    Raises ChoiceNeeded when the hall asked and the person has not answered yet but
    has live authorisations, NotRepresentative when the answer names an enterprise
    the person may not act for (now)."""
    if ENTERPRISE_SCOPE not in scopes:
        return None
    session = services.session()
    person = session.get(Account, account_id)
    if person is None or person.kind != "person":
        return None
    choice = posted_choice()
    if choice == SELF:
        return None
    if choice is not None:
        return representation.choose(session, person, choice)
    parties = representation.live_parties(session, person)
    if parties:
        raise ChoiceNeeded(parties)
    return None


def chooser_page(client_name: str, person_name: str, parties: list[Party], params,
                 *, refused: bool = False):
    """The "act for whom?" page: posts back to the authorization endpoint with the
    request's parameters; 403 after a refused choice."""
    body = render_template("idp/acting_for.html", client_name=client_name,
                           person_name=person_name, parties=parties, params=params,
                           refused=refused, choice=CHOICE, self_value=SELF)
    return body, 403 if refused else 200, {"Cache-Control": "no-store"}


__all__ = ["CHOICE", "ENTERPRISE_SCOPE", "ChoiceNeeded", "NotRepresentative", "check_not_in_query",
           "chooser_page", "resolve"]
