"""Changing a registered client: edit its registration, disable and enable it, mark
it trusted. Each function works in the session it is given (one unit of work) and
returns what changed, for the caller's audit entry (the CLI's operator, the
console's staff member).

Every change is seen at once by this process's client cache and CORS origins (the
cache watches the app's sessions) and by other processes through the cache's change
announcement (idp.client_cache), within ``CLIENT_CACHE_TTL`` at the latest.

Disabling ends nothing silently (SECURITY.md, "Disabling a client"):

* the token, introspection and revocation endpoints answer ``invalid_client``, and
  the authorization endpoint shows an error page (it never redirects to the client);
* every live refresh-token family of the client is revoked (RFC 7009 section 2.1: with
  the access tokens of the same grant, which go on the denylist), and unredeemed
  authorization codes are expired, so enabling it again revives none of them;
* introspection answers ``active: false`` for the client's access tokens;
* client_credentials access tokens were never stored: a resource server that
  validates them offline accepts them until they expire (ACCESS_TOKEN_TTL);
* people's SSO sessions and consents stay (they are the person's, not the client's).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlalchemy.orm import Session

from edge.timestamps import utcnow
from idp.denylist import AccessTokenDenylist
from idp.grants.families import revoke_where
from idp.models.clients import OAuthClient
from idp.models.tokens import AuthorizationCode
from idp.registration import NewClient, check, check_scopes, checked_hall, find_row

if TYPE_CHECKING:
    from idp.services import LicenceTypeNames

#: Marks "leave as it is" in a ClientEdit (None clears the back-channel URI, the hall).
UNCHANGED = object()
REVOKED_REASON = "client_disabled"


@dataclass
class ClientEdit:
    """What to change; a field left at its default stays as it is. Lists replace the
    registered lists whole."""

    name: str | None = None
    redirect_uris: list[str] | None = None
    post_logout_redirect_uris: list[str] | None = None
    backchannel_logout_uri: object = UNCHANGED
    scopes: list[str] | None = None
    #: A hall code, None for no hall (idp.halls).
    hall_code: object = UNCHANGED

    def is_empty(self) -> bool:
        return (self.name is None and self.redirect_uris is None and self.scopes is None
                and self.post_logout_redirect_uris is None
                and self.backchannel_logout_uri is UNCHANGED and self.hall_code is UNCHANGED)


def as_registration(row: OAuthClient) -> NewClient:
    """The row as the registration that would create it (for the same checks)."""
    return NewClient(name=row.name, redirect_uris=list(row.redirect_uris or []),
                     post_logout_redirect_uris=list(row.post_logout_redirect_uris or []),
                     backchannel_logout_uri=row.backchannel_logout_uri,
                     grant_types=list(row.grant_types or []), scopes=row.scope.split(),
                     auth_method=row.token_endpoint_auth_method, trusted=row.trusted,
                     id_token_alg=row.id_token_signed_response_alg, jwks_uri=row.jwks_uri,
                     jwks=row.jwks, client_id=row.client_id, hall_code=row.hall_code)


def _edited(before: NewClient, edit: ClientEdit) -> NewClient:
    changes = {name: value for name, value in (
        ("name", edit.name.strip() if isinstance(edit.name, str) else edit.name),
        ("redirect_uris", edit.redirect_uris),
        ("post_logout_redirect_uris", edit.post_logout_redirect_uris),
        ("scopes", edit.scopes)) if value is not None}
    if edit.backchannel_logout_uri is not UNCHANGED:
        changes["backchannel_logout_uri"] = edit.backchannel_logout_uri
    return replace(before, **changes)


def edit(session: Session, client_id: str, edit: ClientEdit,
         type_names: LicenceTypeNames | None) -> tuple[OAuthClient, dict]:
    """Apply ``edit`` after checking the result exactly as a registration is checked;
    return the row and ``{field: [before, after]}`` of what changed.

    Raises idp.registration.UnknownClient, ValueError (one line naming the option and
    the value; nothing written) and idp.registration.UnsupportedScope.
    """
    row = find_row(session, client_id, for_update=True)
    before = as_registration(row)
    after = _edited(before, edit)
    check(after)
    check_scopes(after, type_names)
    changed = {}
    if edit.hall_code is not UNCHANGED:
        hall = checked_hall(session, edit.hall_code)
        if hall != row.hall_code:
            changed["hall_code"] = [row.hall_code, hall]
            row.hall_code = hall
    for name, column in (("name", "name"), ("redirect_uris", "redirect_uris"),
                         ("post_logout_redirect_uris", "post_logout_redirect_uris"),
                         ("backchannel_logout_uri", "backchannel_logout_uri"),
                         ("scopes", "scope")):
        old, new = getattr(before, name), getattr(after, name)
        if old != new:
            changed[name] = [old, new]
            setattr(row, column, " ".join(dict.fromkeys(new)) if name == "scopes" else new)
    session.flush()
    return row, changed


def disable(session: Session, denylist: AccessTokenDenylist, client_id: str
            ) -> tuple[OAuthClient, dict]:
    """Refuse the client everywhere and end what it was given (see the module); return
    the row and the counts of revoked token families and expired codes. Disabling a
    disabled client only repeats the revocation (a no-op). Raises UnknownClient."""
    row = find_row(session, client_id, for_update=True)
    row.disabled = True
    session.flush()
    families = revoke_where(session, denylist, REVOKED_REASON, client_id=client_id)
    now = utcnow()
    codes = session.execute(
        update(AuthorizationCode)
        .where(AuthorizationCode.client_id == client_id, AuthorizationCode.used_at.is_(None),
               AuthorizationCode.expires_at > now)
        .values(expires_at=now).returning(AuthorizationCode.id)).all()
    return row, {"revoked_token_families": families, "expired_codes": len(codes)}


def enable(session: Session, client_id: str) -> OAuthClient:
    """Accept the client again; what disabling revoked stays revoked (people sign in
    again). Raises UnknownClient."""
    row = find_row(session, client_id, for_update=True)
    row.disabled = False
    session.flush()
    return row


def set_trusted(session: Session, client_id: str, trusted: bool) -> tuple[OAuthClient, bool]:
    """Mark the client trusted (its people are not asked to consent, except to the
    ``identity`` scope, idp.consent.ALWAYS_ASK) or not; return the row and whether
    that changed anything. Raises UnknownClient."""
    row = find_row(session, client_id, for_update=True)
    changed = row.trusted != trusted
    row.trusted = trusted
    session.flush()
    return row, changed
