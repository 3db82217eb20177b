"""What each scope releases, in the person's language, for the consent pages.

Fixed scopes have fixed wording. Licence scopes carry a licence type code
(``licenses:read:<code>``: a department reuses the person's licences of that type;
``licenses:issue:<code>``: a department's system issues them). idp cannot import the
licence catalogue (import contract), so the composition root may supply a name
lookup as ``IdpServices.licence_type_names``::

    lookup(type_code: str, locale: str) -> str | None  # locale is "zh-CN" or "en"

Without it, or when it returns None or fails, the page shows the type code itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from idp.i18n import html_lang

log = logging.getLogger("onegate.idp.consent")

#: Scopes people are asked about, with what each releases (English msgids).
SCOPES = {
    "openid": _l("Sign you in with your onegate account"),
    "profile": _l("Your name and username"),
    "email": _l("Your email address"),
    "phone": _l("Your mobile phone number"),
    "identity": _l("Your citizen ID number or unified social credit code"),
    "wallet": _l("Your electronic licence wallet: list your licences and show them"),
    "enterprise": _l("Whether you act for yourself or for an enterprise you represent "
                     "(you choose)"),
}
#: Scopes only a department's system holds (client_credentials), never asked of a
#: person, with the grant that can use each: ``licenses:verify`` lets a system record
#: its verifications in the holder's list of uses (verify.verifiers).
SYSTEM_SCOPES = {"licenses:verify": "client_credentials"}
READ_PREFIX = "licenses:read:"
ISSUE_PREFIX = "licenses:issue:"
#: ``(type code, locale) -> name or None``: the catalogue's names, from admin.
NameLookup = Callable[[str, str], "str | None"]
MAX_TYPE_CODE = 64


def licence_type_code(scope: str) -> tuple[str, str] | None:
    """(prefix, type code) of a licence scope, or None for any other scope."""
    for prefix in (READ_PREFIX, ISSUE_PREFIX):
        if scope.startswith(prefix):
            code = scope[len(prefix):]
            if code and len(code) <= MAX_TYPE_CODE:
                return prefix, code
    return None


def licence_type_name(code: str, lookup: NameLookup | None = None) -> str:
    """The catalogue's name for ``code`` (through ``lookup``) with the code, else the code."""
    name = None
    if lookup is not None:
        try:
            name = lookup(code, html_lang())
        except Exception:  # a catalogue hiccup must not break the consent page
            log.exception("licence type name lookup failed", extra={"type_code": code})
    return f"{name} ({code})" if name else code


def describe_scope(scope: str, lookup: NameLookup | None = None) -> str:
    """Human words for one scope; an unknown scope is shown as it is."""
    if scope in SCOPES:
        return str(SCOPES[scope])
    licence = licence_type_code(scope)
    if licence is None:
        return scope
    prefix, code = licence
    if prefix == READ_PREFIX:
        return _("Read your electronic licences: %(type)s", type=licence_type_name(code, lookup))
    return _("Issue electronic licences: %(type)s", type=licence_type_name(code, lookup))


def describe(scopes: list[str], lookup: NameLookup | None = None) -> list[tuple[str, str]]:
    """(scope, description) pairs for a page, in the given order."""
    return [(scope, describe_scope(scope, lookup)) for scope in scopes]
