"""Which URIs a client may register (and the authorization endpoint may redirect to).

Our decisions, in one place:

* Redirect and post-logout redirect URIs are absolute, without a fragment
  (RFC 6749 section 3.1.2), and without user information (a ``user@`` part only
  disguises the real host).
* Schemes: ``https``, and ``http`` too. RFC 9700 section 2.6 says servers should
  require TLS for redirect URIs, except loopback for native apps; like Keycloak we
  still accept plain ``http`` because service halls on government intranets run
  without public certificates -- operators should register ``https`` wherever they
  can. ``http``/``https`` URIs need a host.
* Private-use URI schemes of native apps (RFC 8252 section 7.1): a scheme with at
  least one dot, a reverse domain name such as ``cn.gov.gd.app:/callback``, whose
  path begins with ``/``. Every other scheme is refused, in particular
  ``javascript:``, ``data:``, ``vbscript:``, ``file:`` and ``about:``.
* No wildcards: a ``*`` before the query (``https://*.hall.cn/cb``, ``/cb/*``) is
  refused, because RFC 9700 section 4.1.1 has redirect URIs matched exactly -- a
  pattern would never match what its operator meant, and must not seem to.
* Back-channel logout URIs (OpenID Connect Back-Channel Logout 1.0 section 2.2:
  "This URL SHOULD use the https scheme ... however, it MAY use the http scheme")
  are absolute ``http``/``https`` URIs with a host and without a fragment: the
  provider POSTs to them itself.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MAX_URI = 2000
REFUSED_SCHEMES = {"javascript", "data", "vbscript", "file", "about", "blob", "filesystem"}
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*$")


def _basic_problem(uri) -> str | None:
    if not isinstance(uri, str) or not uri:
        return "is empty"
    if len(uri) > MAX_URI:
        return f"is longer than {MAX_URI} characters"
    if any(ord(c) <= 0x20 or ord(c) == 0x7F or c in '<>"\\{}|^`' for c in uri):
        return "contains spaces, control characters or characters not allowed in a URI"
    if not uri.isascii():
        return "contains non-ASCII characters (percent-encode them)"
    if "#" in uri:
        # RFC 6749 section 3.1.2: "The endpoint URI MUST NOT include a fragment component."
        return "has a fragment (#...), which is not allowed"
    if "*" in uri.partition("?")[0]:
        return "contains '*': wildcards are not supported, each URI is matched exactly"
    return None


def _web_problem(uri: str) -> str | None:
    """An absolute http(s) URI with a host, a valid port and no user information."""
    parts = urlsplit(uri)
    if parts.scheme.lower() not in ("http", "https"):
        return "must use https (or http)"
    if not parts.netloc or not parts.hostname:
        return "has no host"
    if "@" in parts.netloc:
        return "has user information (user@host), which is not allowed"
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not numeric
    except ValueError:
        return "has an invalid port"
    return None


def redirect_uri_problem(uri) -> str | None:
    """Why ``uri`` cannot be a redirect (or post-logout redirect) URI, or None.

    RFC 6749 section 3.1.2: "The redirection endpoint URI MUST be an absolute URI as
    defined by [RFC3986] Section 4.3 ... The endpoint URI MUST NOT include a fragment
    component." RFC 8252 section 7.1 for native apps' private-use schemes.
    """
    if problem := _basic_problem(uri):
        return problem
    scheme, colon, rest = uri.partition(":")
    if not colon or not _SCHEME.match(scheme.lower()):
        return "is not an absolute URI (scheme://host/path)"
    scheme = scheme.lower()
    if scheme in REFUSED_SCHEMES:
        return f"uses the {scheme}: scheme, which is never allowed"
    if scheme in ("http", "https"):
        return _web_problem(uri)
    # RFC 8252 section 7.1: "When choosing a URI scheme to associate with the app,
    # apps MUST use a URI scheme based on a domain name under their control,
    # expressed in reverse order" ... e.g. "com.example.app:/oauth2redirect/...".
    if "." not in scheme.strip("."):
        return ("must use https (or http); native apps use a reverse-domain scheme "
                "such as cn.gov.gd.app:/callback")
    if not rest.startswith("/") or rest.strip("/") == "":
        return "needs a path after the private-use scheme (e.g. cn.gov.gd.app:/callback)"
    return None


def web_uri_problem(uri) -> str | None:
    """Why ``uri`` cannot be a back-channel logout or jwks URI, or None: an absolute
    http(s) URI with a host and without a fragment (Back-Channel Logout 1.0 section
    2.2; RFC 7591 section 2 for jwks_uri)."""
    return _basic_problem(uri) or _web_problem(uri)

