"""Who may record a verification as a use of someone's licence: a department system.

A department system is an OAuth client that an operator registered to a department
(``onegate departments add-client``) and allowed scope ``licenses:verify``; it calls
with a client_credentials token (RFC 9068 section 2.2: ``sub`` is the client itself,
and there is no ``auth_time`` because no person signed in). A person's token, from any
hall, never records a use in another person's list, whatever its scopes.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from credentials import catalogue
from edge.access_tokens import AccessToken
from verify.problems import Problem, typed

VERIFY_SCOPE = "licenses:verify"
_PERSON_CLAIMS = ("auth_time", "cn_id_number", "cn_uscc")


def department_of(session: Session, token: AccessToken) -> str:
    """The code of the department whose system presented ``token``.

    Raises Problem 403 ``insufficient_scope`` (RFC 6750 section 3.1, with its
    WWW-Authenticate challenge naming the scope) for any other token: without the
    scope, issued to a person, or of a client no department registered.
    """
    if not token.has_scope(VERIFY_SCOPE):
        raise _insufficient(f"the token lacks scope {VERIFY_SCOPE}")
    if not is_client_token(token):
        raise _insufficient(f"{VERIFY_SCOPE} needs a department system's client_credentials "
                            "token, not a person's")
    department = catalogue.department_of_client(session, token.client_id)
    if department is None:
        raise _insufficient(f"client {token.client_id} is not registered to a department")
    return department


def is_client_token(token: AccessToken) -> bool:
    """True for a client_credentials token: no person signed in to get it."""
    return token.sub == token.client_id and not any(
        name in token.claims for name in _PERSON_CLAIMS)


def _insufficient(detail: str) -> Problem:
    # RFC 6750 section 3: the scheme, a realm, then error, description and scope.
    description = "".join(ch for ch in detail if ch.isprintable() and ch not in '"\\')
    challenge = (f'Bearer realm="onegate", error="insufficient_scope", '
                 f'error_description="{description}", scope="{VERIFY_SCOPE}"')
    return typed("insufficient_scope", detail, headers={"WWW-Authenticate": challenge})
