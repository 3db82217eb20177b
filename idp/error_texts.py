"""What a person reads when the provider refuses a request a hall sent them with: in
their language, never the wire code or Authlib's English description (both stay in
the page's data attributes and in the logs for the hall's developers)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

_BY_CODE = {
    "invalid_request": _l("The service sent an incomplete or malformed request."),
    "invalid_client": _l("The service that sent you here is not registered with us."),
    "unauthorized_client": _l("This service has been disabled."),
    "unsupported_response_type": _l("The service asked for a kind of sign-in we do not "
                                    "offer."),
    "invalid_scope": _l("The service asked for information we do not share with it."),
}
_OTHER = _l("The service sent a request we cannot accept.")


def for_code(code: str) -> str:
    """The explanation of an OAuth error ``code`` in the current language."""
    return str(_BY_CODE.get(code, _OTHER))
