"""The words of the error pages people see (the JSON clients get RFC 9457 problems):
a title and what to do, per HTTP status, in the page's language. Werkzeug's own
names and descriptions are English and speak to developers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

_TEXTS = {
    400: (_l("Request not understood"),
          _l("This request could not be understood. Please go back and try again.")),
    403: (_l("Not allowed"), _l("You are not allowed to do this.")),
    404: (_l("Page not found"),
          _l("There is no page at this address. Check the address, or start again from the "
             "home page.")),
    405: (_l("Not allowed here"), _l("This page cannot be used that way.")),
    413: (_l("Too large"), _l("What you sent is too large.")),
    429: (_l("Too many requests"), _l("Too many requests. Please wait a moment and try "
                                      "again.")),
    503: (_l("Service temporarily unavailable"),
          _l("The system is busy. Please try again in a moment.")),
}
_OTHER = (_l("Something went wrong"),
          _l("Something went wrong on our side. It has been logged; please try again later."))


def texts(status: int) -> tuple[str, str]:
    """(title, detail) for a page answering ``status``, in the current language."""
    title, detail = _TEXTS.get(status, _OTHER)
    return str(title), str(detail)
