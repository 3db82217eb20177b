"""How the pages word a wait (throttled logins, code entry, reset requests)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext


def wait_message(seconds: int) -> str:
    return _("Too many attempts. Please wait %(wait)s and try again.", wait=duration(seconds))


def duration(seconds: int) -> str:
    """``seconds`` in words, rounded up to whole minutes from one minute on."""
    if seconds < 60:
        return ngettext("%(num)d second", "%(num)d seconds", seconds)
    minutes = -(-seconds // 60)
    return ngettext("%(num)d minute", "%(num)d minutes", minutes)
