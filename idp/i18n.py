"""Page languages: Simplified Chinese by default, English on request.

The choice, highest first: ``ui_locales`` on the request (OIDC Core 3.1.2.1; kept
in the Flask session for the rest of the flow), the choice already kept, then
Accept-Language, then Chinese. Message ids are English, wrapped in ``_()``.

Translators and other engineers (templates of the protocol pages too)::

    python -m idp.i18n extract   # babel.cfg -> idp/translations/messages.pot (pages of
                                 # idp, admin, credentials and verify: one catalogue)
    python -m idp.i18n update    # merge new msgids into the zh_Hans_CN catalogue
    python -m idp.i18n compile   # .po -> .mo (the .mo is committed)
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, request, session
from flask_babel import Babel, get_locale

from idp import user_agents

CHINESE = "zh_Hans_CN"
SUPPORTED = (CHINESE, "en")
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
ROOT = Path(__file__).resolve().parent.parent
_SESSION_KEY = "ui_locale"
#: The packages whose pages use this one catalogue (babel.cfg: their templates and _()).
PAGE_PACKAGES = ("idp", "admin", "credentials", "verify")
CHINA = timezone(timedelta(hours=8), "CST")


def match_locale(tags: str | None) -> str | None:
    """The first supported locale in a space-separated BCP 47 list, or None."""
    for tag in (tags or "").replace(",", " ").split():
        primary = tag.split("-")[0].split("_")[0].lower()
        if primary == "zh":
            return CHINESE
        if primary == "en":
            return "en"
    return None


def select_locale() -> str:
    """Flask-Babel's locale selector (see the module docstring)."""
    requested = match_locale(request.values.get("ui_locales"))
    if requested:
        session[_SESSION_KEY] = requested
        return requested
    if session.get(_SESSION_KEY) in SUPPORTED:
        return session[_SESSION_KEY]
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"])
    return "en" if best == "en" else CHINESE


def html_lang() -> str:
    """The ``lang`` attribute for the page being rendered."""
    return "en" if str(get_locale()) == "en" else "zh-CN"


def switch_locale_url(tag: str) -> str:
    """This page's URL (GET arguments kept) with ``ui_locales`` set to ``tag``."""
    args = request.args.to_dict()
    args["ui_locales"] = tag
    return request.path + "?" + urlencode(args)


def china_time(when: int | datetime) -> str:
    """Epoch seconds, or an aware (or naive UTC) datetime, as wall-clock time in China
    (UTC+8, no daylight saving)."""
    if isinstance(when, datetime):
        aware = when if when.tzinfo else when.replace(tzinfo=UTC)
        return aware.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    return datetime.fromtimestamp(when, CHINA).strftime("%Y-%m-%d %H:%M")


def init_app(app: Flask, extra_directories: tuple[Path, ...] = ()) -> None:
    """Install Flask-Babel (once) for the provider's and everyone's templates;
    ``extra_directories`` are other packages' catalogues (same domain, merged), e.g.
    the operators' console's. The first call decides them."""
    if "babel" not in app.extensions:
        directories = ";".join(str(p) for p in (TRANSLATIONS, *extra_directories))
        Babel(app, locale_selector=select_locale, default_locale=CHINESE,
              default_translation_directories=directories)
    app.jinja_env.globals.update(html_lang=html_lang, switch_locale_url=switch_locale_url)
    app.jinja_env.filters["china_time"] = china_time
    app.jinja_env.filters["device_name"] = user_agents.device_name


def _pybabel(*args: str) -> None:
    from babel.messages.frontend import main as pybabel

    os.chdir(ROOT)  # keeps source references in the catalogue relative ("idp/...")
    sys.argv = ["pybabel", *args]
    pybabel()


COMMANDS = {
    "extract": lambda: _pybabel("extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l",
                                "-o", "idp/translations/messages.pot",
                                *PAGE_PACKAGES),
    "update": lambda: _pybabel("update", "-i", str(TRANSLATIONS / "messages.pot"),
                               "-d", str(TRANSLATIONS), "-l", CHINESE, "--no-fuzzy-matching"),
    "compile": lambda: _pybabel("compile", "-d", str(TRANSLATIONS), "--statistics"),
}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in COMMANDS:
        sys.exit(f"usage: python -m idp.i18n {{{'|'.join(COMMANDS)}}}")
    COMMANDS[sys.argv[1]]()
