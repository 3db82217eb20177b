"""A browser's User-Agent as people name it ("Chrome on Android", "微信 on iPhone"):
the sessions lists show this, not the raw header, which says "Mozilla/5.0 (Linux;
...) AppleWebKit/537.36 (KHTML, like Gecko)" to everyone and tells no one anything.

Order matters: Edge and the in-app browsers carry "Chrome", and Chrome carries
"Safari" in their headers."""

from __future__ import annotations

import re

_BROWSERS = (
    ("MicroMessenger/", "WeChat"),
    ("AlipayClient", "Alipay"),
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
_PLATFORMS = (
    ("HarmonyOS", "HarmonyOS"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)
_PRINTABLE = re.compile(r"^[\x20-\x7e]*$")


def describe(user_agent: str | None) -> tuple[str | None, str | None]:
    """(browser, platform) named from ``user_agent``; either is None when unknown."""
    text = user_agent or ""
    if not _PRINTABLE.match(text):
        return None, None
    browser = next((name for token, name in _BROWSERS if token in text), None)
    platform = next((name for token, name in _PLATFORMS if token in text), None)
    return browser, platform


def device_name(user_agent: str | None) -> str:
    """What the sessions lists show for a session's browser, in the page's language."""
    from flask_babel import gettext as _

    browser, platform = describe(user_agent)
    # WeChat and Alipay have Chinese names of their own; the others are brands.
    browser = {"WeChat": _("WeChat"), "Alipay": _("Alipay")}.get(browser, browser)
    if browser and platform:
        return _("%(browser)s on %(platform)s", browser=browser, platform=platform)
    if platform:
        return _("A browser on %(platform)s", platform=platform)
    return browser or _("Unknown browser")
