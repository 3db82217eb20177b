"""What a restored backup must not bring back: every way of being signed in.

A backup holds the SSO sessions, refresh tokens, unredeemed authorization codes and
device authorizations (RFC 8628: one approved on a phone yields tokens)
of the moment it was taken. Restored as they are, a stolen cookie or refresh token
of that moment (perhaps one a user has since ended by logging out, on the instance
that was lost) would work again. So ``clear_sign_ins`` deletes them, in the
restore's transaction; everyone signs in again. The access-token denylist is kept:
it only ever refuses.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from idp.models.device_authorizations import DeviceAuthorization
from idp.models.reauth_demands import ReauthDemand
from idp.models.sso_sessions import SsoParticipant, SsoSession
from idp.models.tokens import AuthorizationCode, RefreshToken, TokenFamily

#: Children before parents (foreign keys).
CLEARED = (("sso_participants", SsoParticipant), ("sso_sessions", SsoSession),
           ("refresh_tokens", RefreshToken), ("token_families", TokenFamily),
           ("authorization_codes", AuthorizationCode),
           ("device_authorizations", DeviceAuthorization), ("reauth_demands", ReauthDemand))


def clear_sign_ins(session: Session) -> dict[str, int]:
    """Delete every sign-in the backup carried; returns rows deleted per kind. Raises
    only database errors."""
    return {kind: session.execute(delete(model)
                                  .execution_options(synchronize_session=False)).rowcount
            for kind, model in CLEARED}
