"""What of the provider's tables the housekeeping job may delete (edge.sweeps), and
from when. Every condition keeps a row as long as the provider still reads it:

- authorization codes: ``keep`` after they expired. A used code is kept so that a
  replay revokes what it produced (RFC 6749 section 4.1.2); once expired for longer,
  a replay is refused as an unknown code anyway.
- device authorizations (RFC 8628): ``device_keep`` after they expired, the rule
  idp.device_authorizations prunes by (as long as the tokens they produced live, so
  a late replay is still recognised).
- access-token denylist rows (idp.denylist) and client-assertion jtis (the replay
  cache of private_key_jwt, RFC 7523 section 3): once the token they stop has
  expired, it is refused for its ``exp`` alone.
- re-authentication demands: once expired.
- account reset codes (idp.reset_codes): ``keep`` after they expired; until then a
  late try is told "expired" or "used" rather than "wrong".
- login throttle rows (database store): once their window and any lock are over.
- Back-Channel Logout messages: ``keep`` after delivery; ``keep_failed`` after the
  sender gave up (the dashboard shows recent failures).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_

from edge.sweeps import Sweep
from idp.models.clients import ClientAssertionJti
from idp.models.device_authorizations import DeviceAuthorization
from idp.models.login_throttle import LoginThrottle
from idp.models.reauth_demands import ReauthDemand
from idp.models.reset_codes import ResetCode
from idp.models.tokens import AuthorizationCode, BackchannelDelivery, RevokedAccessToken


def sweeps(keep: timedelta, keep_failed: timedelta,
           device_keep: timedelta) -> tuple[Sweep, ...]:
    """The provider's sweeps; the periods as in the module docstring."""
    outbox = BackchannelDelivery
    return (
        Sweep("authorization_codes", AuthorizationCode,
              lambda now: AuthorizationCode.expires_at < now - keep),
        Sweep("device_authorizations", DeviceAuthorization,
              lambda now: DeviceAuthorization.expires_at < now - device_keep),
        Sweep("denylisted_access_tokens", RevokedAccessToken,
              lambda now: RevokedAccessToken.expires_at < now),
        Sweep("client_assertion_jtis", ClientAssertionJti,
              lambda now: ClientAssertionJti.expires_at < now),
        Sweep("reauth_demands", ReauthDemand, lambda now: ReauthDemand.expires_at < now),
        Sweep("reset_codes", ResetCode, lambda now: ResetCode.expires_at < now - keep),
        Sweep("login_throttle", LoginThrottle, _throttle_over),
        Sweep("backchannel_messages", outbox, lambda now: or_(
            and_(outbox.delivered_at.is_not(None), outbox.delivered_at < now - keep),
            and_(outbox.failed_at.is_not(None), outbox.failed_at < now - keep_failed))),
    )


def _throttle_over(now: datetime):
    epoch = now.timestamp()
    return and_(LoginThrottle.expires_at < epoch, LoginThrottle.locked_until < epoch)
