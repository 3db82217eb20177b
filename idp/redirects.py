"""Where the login flow may send the browser afterwards: only paths on this origin."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(url: str | None) -> str | None:
    """``url`` if it is a same-origin path ("/x", not "//x", "/\\x" or "http://..."), else None."""
    if not url or not url.startswith("/") or url.startswith(("//", "/\\")):
        return None
    if any(ord(ch) < 0x20 or ch == "\\" for ch in url):
        return None
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    return url
