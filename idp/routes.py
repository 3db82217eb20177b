"""The protocol's two blueprints: pages (CSRF-protected forms) and the OAuth API
(client-authenticated or bearer-protected, exempt from the form CSRF check), built per
app; and ``bind``, which gives a view its services while keeping its endpoint name."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint

from idp.page_guard import guard


def pages_blueprint() -> Blueprint:
    """The authorization endpoint's consent page and /account/consents: no-store and
    the readable CSRF page (see idp.page_guard)."""
    return guard(Blueprint("idp_oauth", __name__, template_folder="templates"))


def api_blueprint() -> Blueprint:
    return Blueprint("idp_oauth_api", __name__)


def bind(view: Callable[..., Any], *args: Any) -> Callable[..., Any]:
    """``view`` with ``args`` passed first; same name and module, so the endpoint name
    (and Flask-WTF's exemption key) stay those of ``view``."""

    @functools.wraps(view)
    def bound(**kwargs: Any) -> Any:
        return view(*args, **kwargs)

    return bound
