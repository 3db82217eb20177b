"""Who the clerk is (no Flask): the actor of a 代办 mandate, from their access token.

RFC 8693 section 2.1: the ``actor_token`` "represents the identity of the acting
party". We accept only an access token this provider issued (``actor_token_type``
``urn:ietf:params:oauth:token-type:access_token``), unexpired and not revoked,
issued to the same station system that asks (a clerk's token copied from another
system is not theirs to present), at loa-2 (DESIGN.md: staff identities come from
staff accounts signed in at loa-2), itself not a delegated token, whose subject is
a staff account, not locked, holding the ``clerk`` role at the station system's hall.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from edge.access_tokens import AccessTokenError, AccessTokenValidator
from idp import accounts, halls, staff
from idp.errors import InvalidRequestError, UnknownHall
from idp.mandates import Clerk

ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"  # noqa: S105
CLERK_ACR = "loa-2"


def verified(session: Session, validator: AccessTokenValidator, token: object, *,
             token_type: object, client_id: str, hall_code: str | None) -> Clerk:
    """The clerk ``token`` proves; raises InvalidRequestError (RFC 8693 section 2.2.2:
    an actor token "invalid for any reason, or ... unacceptable based on policy")."""
    if not token:
        raise InvalidRequestError("The actor_token (the clerk's access token) is missing.")
    if token_type != ACCESS_TOKEN_TYPE:
        raise InvalidRequestError(f"The actor_token_type must be {ACCESS_TOKEN_TYPE}.")
    try:
        claims = validator.validate(token).claims
    except AccessTokenError:
        raise InvalidRequestError("The actor_token is invalid, expired or revoked.") from None
    if claims.get("client_id") != client_id:
        raise InvalidRequestError("The actor_token was issued to another client.")
    if "act" in claims:
        # Checked first: a token acting for someone else (an enterprise's, a 代办's)
        # is never a clerk's own login, whatever its level.
        raise InvalidRequestError("A delegated token cannot be an actor_token.")
    if claims.get("acr") != CLERK_ACR:
        raise InvalidRequestError("The clerk must be signed in at loa-2 (with a second "
                                  "factor).")
    return _clerk_at(session, claims["sub"], hall_code)


def _clerk_at(session: Session, sub: str, hall_code: str | None) -> Clerk:
    if not hall_code:
        raise InvalidRequestError("This client belongs to no hall or station.")
    account = accounts.get_by_sub(session, sub)
    if account is None or account.kind != "staff" or account.locked:
        raise InvalidRequestError("The actor is not a staff account in service.")
    try:
        hall = halls.get(session, hall_code)
    except UnknownHall:
        raise InvalidRequestError("This client's hall is not registered.") from None
    if hall.disabled:
        raise InvalidRequestError("This client's hall is disabled.")
    if staff.Grant(staff.CLERK, hall.code) not in staff.grants_of(session, account):
        raise InvalidRequestError("The actor is not a clerk of this hall or station.")
    return Clerk(sub=account.sub, name=account.display_name, hall_code=hall.code,
                 hall_name=hall.name)
